//! Shared helpers of the integration tests: bounded event waits, loopback
//! addresses, fd counting and a watchdog. Nothing here sleeps to order
//! events: waits poll with a small timeout and give up after a bounded number
//! of turns.

#![allow(dead_code)]

pub mod blocked;
pub mod example;
pub mod fd_limit;
pub mod temp_dir;

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mio::{EventLoop, EventSet, Events, Handler, IoEvent, Poll, Token};

/// How long one turn of a bounded wait may block.
pub const TURN: Duration = Duration::from_millis(100);

/// The upper bound of every wait: a wait that needs longer is a failure.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A loopback address with port 0: binding it picks a free port.
pub fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The IPv6 loopback with port 0.
pub fn localhost_v6() -> SocketAddr {
    "[::1]:0".parse().unwrap()
}

/// Runs `run_once(handler, TURN)` until `done(handler)` holds; returns the
/// number of turns it took.
///
/// # Panics
///
/// After `max_turns` turns or [`DEADLINE`] without `done`, or if a turn fails.
pub fn run_until<H: Handler>(
    event_loop: &mut EventLoop<H>,
    handler: &mut H,
    max_turns: usize,
    mut done: impl FnMut(&mut H) -> bool,
) -> usize {
    let start = Instant::now();
    for turn in 0..max_turns {
        if done(handler) {
            return turn;
        }
        assert!(start.elapsed() < DEADLINE, "run_until: condition not met within {DEADLINE:?} ({turn} turns)");
        event_loop.run_once(handler, Some(TURN)).expect("run_once failed");
    }
    assert!(done(handler), "run_until: condition not met within {max_turns} turns");
    max_turns
}

/// Polls until an event for `token` whose readiness contains `kind` arrives;
/// returns that event's full readiness.
///
/// # Panics
///
/// After [`DEADLINE`] without such an event.
pub fn expect_event(poll: &Poll, events: &mut Events, token: Token, kind: EventSet) -> EventSet {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        poll.poll(events, Some(TURN)).expect("poll failed");
        if let Some(ev) = events.iter().find(|ev| ev.token() == token && ev.kind().contains(kind)) {
            return ev.kind();
        }
    }
    panic!("no {kind:?} event for {token:?} within {DEADLINE:?}");
}

/// Polls (bounded) until any event for `token` arrives; returns its kind.
pub fn wait_for(poll: &Poll, events: &mut Events, token: Token) -> EventSet {
    expect_event(poll, events, token, EventSet::none())
}

/// Polls until every `(token, kind)` pair has been seen (in any order, in one
/// poll or several): for edge-triggered sources whose events may arrive
/// together.
///
/// # Panics
///
/// After [`DEADLINE`] with a pair still unseen.
pub fn expect_events(poll: &Poll, events: &mut Events, wanted: &[(Token, EventSet)]) {
    let mut seen = vec![false; wanted.len()];
    let start = Instant::now();
    while seen.iter().any(|s| !s) {
        assert!(start.elapsed() < DEADLINE, "events {wanted:?} not all seen within {DEADLINE:?}: {seen:?}");
        poll.poll(events, Some(TURN)).expect("poll failed");
        for ev in events.iter() {
            for (i, (token, kind)) in wanted.iter().enumerate() {
                seen[i] |= ev.token() == *token && ev.kind().contains(*kind);
            }
        }
    }
}

/// Polls once with a short timeout and returns the events for `token`.
pub fn events_for(poll: &Poll, events: &mut Events, token: Token, timeout: Duration) -> Vec<IoEvent> {
    poll.poll(events, Some(timeout)).expect("poll failed");
    events.iter().filter(|ev| ev.token() == token).collect()
}

/// Retries `op` on `WouldBlock`, polling (one turn) in between, until it
/// succeeds or fails otherwise; gives up after [`DEADLINE`].
pub fn retry<T>(poll: &Poll, events: &mut Events, mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let start = Instant::now();
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && start.elapsed() < DEADLINE => {
                poll.poll(events, Some(TURN))?;
            }
            res => return res,
        }
    }
}

/// Writes all of `data` to a non-blocking writer, polling between
/// `WouldBlock`s (the writer must be registered for writable interest).
pub fn write_all_polling(poll: &Poll, events: &mut Events, mut w: impl Write, data: &[u8]) {
    let mut off = 0;
    while off < data.len() {
        let n = retry(poll, events, || w.write(&data[off..])).expect("write failed");
        off += n;
    }
}

/// Reads exactly `len` bytes from a non-blocking reader, polling between
/// `WouldBlock`s (the reader must be registered for readable interest).
pub fn read_exact_polling(poll: &Poll, events: &mut Events, mut r: impl Read, len: usize) -> Vec<u8> {
    let mut out = vec![0; len];
    let mut off = 0;
    while off < len {
        let n = retry(poll, events, || r.read(&mut out[off..])).expect("read failed");
        assert!(n > 0, "unexpected end of stream after {off} of {len} bytes");
        off += n;
    }
    out
}

/// The number of open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd").count()
}

/// The `flags:` field of `/proc/self/fdinfo/<fd>` (octal `open(2)` flags).
pub fn fd_flags(fd: i32) -> u32 {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).expect("fdinfo");
    let line = info.lines().find(|l| l.starts_with("flags:")).expect("flags line");
    u32::from_str_radix(line["flags:".len()..].trim(), 8).expect("octal flags")
}

/// `O_NONBLOCK` and `O_CLOEXEC` as they appear in fdinfo on Linux.
pub const O_NONBLOCK: u32 = 0o4000;
/// See [`O_NONBLOCK`].
pub const O_CLOEXEC: u32 = 0o2000000;

/// Aborts the whole test process if it is still alive after `limit`: a test
/// that hangs in a blocking call fails instead of stalling CI. Disarmed on
/// drop.
pub struct Watchdog {
    disarm: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Arms a watchdog named `what`.
    pub fn new(what: &'static str, limit: Duration) -> Watchdog {
        let (tx, rx) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                eprintln!("watchdog: {what} still running after {limit:?}; aborting");
                std::process::abort();
            }
        });
        Watchdog { disarm: Some(tx), thread: Some(thread) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.disarm.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
