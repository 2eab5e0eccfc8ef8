//! One fast sender cannot keep the loop to itself: a round of a connection
//! reads at most `READS_PER_ROUND` times, then the connection waits and
//! resumes itself after the turn's other events. (Without the bound, a peer
//! that keeps the socket full held the loop in one round: a chat whose
//! talker was read for 512 MiB before a slow reader could be dropped.)

mod util;

use std::io::{self, Write};
use std::time::Duration;

use mio::machine::{Loop, LoopConfig, Machine, Scope};
use mio::stream::{Intent, Protocol, Stream, Transport, READS_PER_ROUND};
use mio::unix::UnixStream;
use util::Watchdog;

const BUFFER: usize = 1024;

/// Bytes each connection consumed (by token), and how many `wakeup`s the
/// protocol saw.
#[derive(Default)]
struct Tally {
    bytes: Vec<usize>,
    wakeups: usize,
}

/// Consumes whatever arrives.
struct Sink;

impl Protocol for Sink {
    type Context = Tally;
    type Socket = UnixStream;

    fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Tally>) -> Intent<Self> {
        Intent::of(Sink).expect_chunk(usize::MAX)
    }

    fn bytes_read(self, t: &mut Transport<'_, UnixStream>, end: usize, scope: &mut Scope<'_, Tally>) -> Intent<Self> {
        t.input().consume(end);
        let token = scope.token().0;
        scope.bytes[token] += end;
        Intent::of(Sink).expect_chunk(usize::MAX)
    }

    fn bytes_flushed(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Tally>) -> Intent<Self> {
        Intent::of(Sink).expect_chunk(usize::MAX)
    }

    fn timeout(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Tally>) -> Intent<Self> {
        Intent::done()
    }

    fn wakeup(self, _: &mut Transport<'_, UnixStream>, scope: &mut Scope<'_, Tally>) -> Intent<Self> {
        scope.wakeups += 1;
        Intent::of(Sink).unchanged()
    }
}

/// Writes into `peer` (non-blocking) until the kernel takes no more; how
/// many bytes.
fn fill(peer: &mut UnixStream) -> usize {
    let chunk = [b'z'; 64 * 1024];
    let mut sent = 0;
    loop {
        match peer.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return sent,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_full_socket_is_read_a_budget_at_a_time_and_the_quiet_one_is_served_in_the_first_turn() {
    let _watchdog = Watchdog::new("stream fairness", Duration::from_secs(60));
    let mut config = LoopConfig::new();
    config.machines(4).buffers(BUFFER, 8);
    let mut lp = Loop::<Stream<Sink>>::new(&config).unwrap().instantiate(Tally { bytes: vec![0; 4], wakeups: 0 });

    let (ours, theirs) = UnixStream::pair().unwrap();
    let mut blaster = theirs;
    let loud = lp.add_machine_with(|s| <Stream<Sink> as Machine>::create(ours, s)).unwrap().token().0;
    let (ours, theirs) = UnixStream::pair().unwrap();
    let mut quiet = theirs;
    let calm = lp.add_machine_with(|s| <Stream<Sink> as Machine>::create(ours, s)).unwrap().token().0;

    // More than a few rounds' worth waits in the loud socket before the
    // loop runs; the quiet one has one byte.
    let buffered = fill(&mut blaster);
    let budget = READS_PER_ROUND as usize * BUFFER;
    assert!(buffered > 4 * budget, "the kernel took only {buffered} bytes");
    quiet.write_all(b"q").unwrap();

    // One turn: both events; the loud connection reads one budget, then its
    // own wake-up at the turn's end another; the quiet byte is consumed.
    lp.run_once(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(lp.context().bytes[calm], 1, "the quiet connection was served in the first turn");
    let first = lp.context().bytes[loud];
    assert!(first > 0 && first <= 2 * budget, "the first turn read {first} bytes (budget {budget} a round)");

    // The rest comes in by the connection's own wake-ups: no new bytes,
    // so no new readiness, and still everything is read, a budget a round.
    let mut turns = 1;
    while lp.context().bytes[loud] < buffered {
        let before = lp.context().bytes[loud];
        lp.run_once(Some(Duration::from_secs(5))).unwrap();
        let read = lp.context().bytes[loud] - before;
        assert!(read > 0, "turn {turns}: the connection did not resume itself");
        assert!(read <= 2 * budget, "turn {turns} read {read} bytes");
        turns += 1;
    }
    assert_eq!(lp.context().bytes[loud], buffered);
    assert!(lp.context().wakeups >= turns, "resumed by wake-ups: {} for {turns} turns", lp.context().wakeups);
}
