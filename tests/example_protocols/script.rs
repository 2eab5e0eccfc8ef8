//! A script of what a peer and time do to one connection on the harness,
//! and the invariants checked after every step. Shared by the property
//! tests (`props.rs`) and the fuzz targets (`fuzz/fuzz_targets/*_harness.rs`
//! include this file).

use std::io;
use std::time::Duration;

use mio::machine::{LoopConfig, Machine};
use mio::stream::{Protocol, Stream};
use mio::testing::{Harness, Peer, SimSocket, Status};

/// One step of a script.
#[derive(Clone, Debug)]
pub enum Op {
    /// The peer sends these bytes (one segment).
    Send(Vec<u8>),
    /// The peer's receive window: `None` unbounded.
    Window(Option<usize>),
    /// The peer reads at most this many bytes of output.
    Take(usize),
    /// The clock moves this many milliseconds.
    Advance(u64),
    /// The protocol is woken.
    Wake,
    /// The peer ends its stream.
    Close,
    /// The peer resets the connection.
    Reset,
    /// The stream's next read fails.
    FailRead,
}

/// The loop configuration scripts run with: small, so bounds are reached.
pub fn small_config(buffer_size: usize) -> LoopConfig {
    let mut config = LoopConfig::new();
    config.machines(4).buffers(buffer_size, 4).queued_values(8, 16);
    config.event_loop().timer_capacity(16).notify_capacity(64);
    config
}

/// What a script left: everything the peer read, and how it ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub output: Vec<u8>,
    pub status: Status,
}

/// Runs `ops` against one connection of `h`, checking the invariants
/// after each step; then opens the window, reads everything, and returns
/// what the peer read.
pub fn run<P: Protocol<Socket = SimSocket>>(h: &mut Harness<Stream<P>>, ops: &[Op]) -> Outcome {
    let peer = h.connect().expect("a connection of an empty loop");
    let mut output = Vec::new();
    check(h, peer);
    for op in ops {
        apply(h, peer, op, &mut output);
    }
    h.set_window(peer, None);
    output.extend(h.take_output(peer));
    check(h, peer);
    Outcome { output, status: h.status(peer) }
}

/// Applies one step to `peer`, adding what the peer read to `output`, and
/// checks the invariants.
pub fn apply<M: Machine>(h: &mut Harness<M>, peer: Peer, op: &Op, output: &mut Vec<u8>) {
    match op {
        Op::Send(data) => h.send(peer, data),
        Op::Window(w) => h.set_window(peer, *w),
        Op::Take(n) => output.extend(h.take_output_up_to(peer, *n)),
        Op::Advance(ms) => h.advance(Duration::from_millis(*ms)),
        Op::Wake => h.wake(peer),
        Op::Close => h.close(peer),
        Op::Reset => h.reset(peer),
        Op::FailRead => h.fail_read(peer, io::ErrorKind::TimedOut),
    }
    check(h, peer);
}

/// What must hold after every step, whatever the input:
/// - the stream's no-progress guard never ends the connection (a correct
///   protocol always makes progress; a spin in the loop itself makes
///   `settle` panic);
/// - the connection holds at most its two pool buffers and its share of
///   queued values, and nothing once it ended;
/// - a pending deadline is in the future (one due would have fired).
pub fn check<M: Machine>(h: &Harness<M>, peer: Peer) {
    if let Status::Failed(e) = h.status(peer) {
        assert_ne!(e.what(), "protocol made no progress", "the stream stopped a spinning protocol");
    }
    let open = h.open_connections();
    assert!(h.buffers_held() <= 2 * open, "{} buffers held by {open} connections", h.buffers_held());
    assert!(h.queued_values_held() <= 8 * open, "{} queued values held", h.queued_values_held());
    if open == 0 {
        assert_eq!(h.timeouts_pending(), 0, "a closed connection left its deadline armed");
    }
    if let Some(at) = h.deadline(peer) {
        assert!(at > h.now(), "a deadline due at {:?} did not fire by {:?}", at - h.start(), h.elapsed());
    }
}

/// Moves the clock to just before the connection's deadline, then onto
/// it: the protocol's timeout runs exactly then, not a tick before (the
/// loop's tick is 1 ms and scripts move the clock in whole milliseconds).
/// Returns whether there was a deadline.
pub fn deadline_fires_exactly<M: Machine>(h: &mut Harness<M>, peer: Peer) -> bool {
    let Some(at) = h.deadline(peer) else { return false };
    h.advance_to(at - Duration::from_millis(1));
    assert!(h.is_open(peer), "closed before its deadline");
    assert_eq!(h.deadline(peer), Some(at), "the deadline moved without input");
    let before = h.counters().timers_fired();
    h.advance(Duration::from_millis(1));
    assert!(h.counters().timers_fired() > before, "no timer fired at the deadline");
    assert_ne!(h.deadline(peer), Some(at), "the deadline passed and is still pending");
    check(h, peer);
    true
}

/// Cuts `input` into chunks at the given fractions of its length (each
/// `0..=1000` per mille), in order.
pub fn chunks(input: &[u8], cuts: &[u16]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|&c| input.len() * usize::from(c.min(1000)) / 1000).collect();
    at.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for cut in at.into_iter().chain([input.len()]) {
        if cut > from {
            out.push(input[from..cut].to_vec());
            from = cut;
        }
    }
    out
}

/// `input` in the given chunks, with the window and the peer's reads
/// varying between them (`windows[i]` before chunk `i`: `0` blocks
/// writes, small values make them partial), then closed by the peer.
pub fn chunked_with_windows(chunks: Vec<Vec<u8>>, windows: &[(u8, u8)]) -> Vec<Op> {
    let mut ops = Vec::new();
    for (i, chunk) in chunks.into_iter().enumerate() {
        if let Some(&(window, take)) = windows.get(i % windows.len().max(1)) {
            ops.push(Op::Window(Some(usize::from(window))));
            ops.push(Op::Take(usize::from(take)));
        }
        ops.push(Op::Send(chunk));
    }
    ops.push(Op::Window(None));
    ops.push(Op::Take(usize::MAX));
    ops.push(Op::Close);
    ops
}

/// Decodes a fuzzer's bytes into a script: each step is an opcode byte and
/// its arguments; `Send` takes a length byte and that many bytes from
/// `payload`, in order, so the fuzzer chooses the chunking.
pub fn decode(mut bytes: &[u8], mut payload: &[u8]) -> Vec<Op> {
    let mut ops = Vec::new();
    while let [op, arg, rest @ ..] = bytes {
        bytes = rest;
        let arg = usize::from(*arg);
        ops.push(match op % 16 {
            0..=6 => {
                let n = (arg + 1).min(payload.len());
                let (chunk, rest) = payload.split_at(n);
                payload = rest;
                Op::Send(chunk.to_vec())
            }
            7 | 8 => Op::Window(if arg == 255 { None } else { Some(arg % 64) }),
            9 | 10 => Op::Take(arg),
            11 | 12 => Op::Advance(arg as u64 * 100),
            13 => Op::Wake,
            14 => match arg % 8 {
                0 => Op::Reset,
                1 => Op::FailRead,
                _ => Op::Close,
            },
            _ => Op::Send(std::mem::take(&mut payload).to_vec()),
        });
    }
    if !payload.is_empty() {
        ops.push(Op::Send(payload.to_vec()));
    }
    ops
}
