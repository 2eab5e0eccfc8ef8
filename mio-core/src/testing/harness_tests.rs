use std::io;
use std::time::Duration;

use super::{Harness, Status};
use crate::counters::StateNames;
use crate::machine::{LoopConfig, MachineError, Scope};
use crate::stream::{Intent, Protocol, Stream, Transport};
use crate::testing::SimSocket;
use crate::EventSet;

/// What the protocols below saw.
#[derive(Debug, Default)]
struct Seen {
    wakeups: u32,
    errors: Vec<io::ErrorKind>,
    timeouts: u32,
}

type T<'a> = Transport<'a, SimSocket>;
type S<'a> = Scope<'a, Seen>;

/// Echoes whatever arrives; idle for 2 s: closes. A wake-up is counted.
#[derive(Debug)]
enum Echo {
    Reading,
    Writing,
}

static ECHO_STATES: StateNames = StateNames::new("Echo", &["Reading", "Writing"]);

fn read_more(s: &S<'_>) -> Intent<Echo> {
    Intent::of(Echo::Reading).deadline(s.now() + Duration::from_secs(2)).expect_bytes(1)
}

impl Protocol for Echo {
    type Context = Seen;
    type Socket = SimSocket;
    fn create(_: &mut T<'_>, s: &mut S<'_>) -> Intent<Echo> {
        read_more(s)
    }
    fn bytes_read(self, t: &mut T<'_>, _: usize, s: &mut S<'_>) -> Intent<Echo> {
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        if input.is_empty() {
            read_more(s)
        } else {
            Intent::of(Echo::Writing).expect_flush()
        }
    }
    fn bytes_flushed(self, _: &mut T<'_>, s: &mut S<'_>) -> Intent<Echo> {
        read_more(s)
    }
    fn timeout(self, _: &mut T<'_>, s: &mut S<'_>) -> Intent<Echo> {
        s.timeouts += 1;
        Intent::done()
    }
    fn wakeup(self, _: &mut T<'_>, s: &mut S<'_>) -> Intent<Echo> {
        s.wakeups += 1;
        Intent::of(self).unchanged()
    }
    fn error(self, e: MachineError, s: &mut S<'_>) {
        s.errors.push(e.kind());
    }
    fn state_names() -> Option<&'static StateNames> {
        Some(&ECHO_STATES)
    }
    fn state_index(&self) -> usize {
        match self {
            Echo::Reading => 0,
            Echo::Writing => 1,
        }
    }
}

fn echo() -> Harness<Stream<Echo>> {
    Harness::new(Seen::default()).unwrap()
}

#[test]
fn input_is_echoed_and_the_connection_stays_open() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    assert_eq!(h.state_name(peer), Some("Reading"));
    h.send(peer, b"hello");
    assert_eq!(h.take_output(peer), b"hello");
    assert!(h.is_open(peer));
    assert_eq!(h.buffers_held(), 0, "an idle connection holds no buffer");
    assert_eq!(h.interest(peer), Some(EventSet::readable()));
}

#[test]
fn chunks_fed_before_the_loop_runs_arrive_as_one_read() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    let (reads, _) = h.socket_calls(peer);
    h.feed(peer, b"ab");
    h.feed(peer, b"cd");
    h.settle();
    assert_eq!(h.take_output(peer), b"abcd");
    // One short read drains the socket; on the poll(2) backend, whose
    // emulated edge only `WouldBlock` re-arms, reads go on until it.
    let expected = if crate::Poll::EDGE_NEEDS_WOULD_BLOCK { 2 } else { 1 };
    assert_eq!(h.socket_calls(peer).0 - reads, expected, "one short read drains the socket");
}

#[test]
fn a_window_of_one_byte_makes_every_write_partial() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(1));
    h.send(peer, b"abc");
    assert_eq!(h.state_name(peer), Some("Reading"), "the echo pushed everything and waits for input");
    assert_eq!(h.interest(peer), Some(EventSet::readable() | EventSet::writable()));
    let mut out = Vec::new();
    for _ in 0..3 {
        out.extend(h.take_output(peer));
    }
    assert_eq!(out, b"abc");
    assert_eq!(h.interest(peer), Some(EventSet::readable()), "writable interest dropped once flushed");
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_zero_window_blocks_writes_until_it_opens() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(0));
    h.send(peer, b"blocked");
    assert_eq!(h.output_len(peer), 0);
    assert_eq!(h.buffers_held(), 1, "the unsent output holds its buffer");
    h.set_window(peer, None);
    assert_eq!(h.take_output(peer), b"blocked");
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn the_deadline_fires_exactly_at_its_instant() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    let deadline = h.start() + Duration::from_secs(2);
    assert_eq!(h.deadline(peer), Some(deadline));
    h.advance(Duration::from_millis(1_999));
    assert!(h.is_open(peer));
    h.advance(Duration::from_nanos(999_999));
    assert!(h.is_open(peer), "not a nanosecond early");
    h.advance(Duration::from_nanos(1));
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
    assert_eq!(h.context().timeouts, 1);
    assert_eq!(h.timeouts_pending(), 0);
}

#[test]
fn input_pushes_the_deadline_back() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.advance(Duration::from_millis(1_500));
    h.send(peer, b"x");
    assert_eq!(h.deadline(peer), Some(h.start() + Duration::from_millis(3_500)));
    h.advance(Duration::from_millis(1_999));
    assert!(h.is_open(peer));
    h.advance(Duration::from_millis(1));
    assert!(!h.is_open(peer));
}

#[test]
fn a_wakeup_reaches_the_protocol_through_the_channel() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.wake(peer);
    h.wake(peer);
    assert_eq!(h.context().wakeups, 2);
    assert!(h.is_open(peer));
}

#[test]
fn end_of_stream_closes_by_default() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.feed(peer, b"last");
    h.close(peer);
    assert_eq!(h.take_output(peer), b"last", "data before the FIN is served");
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
}

#[test]
fn a_reset_closes_after_the_protocols_error_callback() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(0));
    h.send(peer, b"pending");
    h.reset(peer);
    assert_eq!(h.status(peer), Status::Closed { io_error: Some(io::ErrorKind::ConnectionReset) });
    assert_eq!(h.context().errors, [io::ErrorKind::ConnectionReset]);
    assert_eq!(h.buffers_held(), 0, "unsent output went back to the pool");
    assert_eq!(h.timeouts_pending(), 0);
}

#[test]
fn an_injected_read_error_reaches_the_protocol() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.fail_read(peer, io::ErrorKind::TimedOut);
    assert_eq!(h.status(peer), Status::Closed { io_error: Some(io::ErrorKind::TimedOut) });
    assert_eq!(h.context().errors, [io::ErrorKind::TimedOut]);
}

#[test]
fn an_injected_write_error_reaches_the_protocol() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(2));
    h.send(peer, b"abcd");
    h.fail_write(peer, io::ErrorKind::BrokenPipe);
    h.take_output(peer);
    assert_eq!(h.status(peer), Status::Closed { io_error: Some(io::ErrorKind::BrokenPipe) });
}

#[test]
fn connections_are_independent() {
    let mut h = echo();
    let a = h.connect().unwrap();
    let b = h.connect().unwrap();
    h.send(a, b"to a");
    h.reset(b);
    assert_eq!(h.take_output(a), b"to a");
    assert!(h.is_open(a));
    assert!(!h.is_open(b));
    assert_eq!(h.open_connections(), 1);
    // b's slot is reused by c; b's status does not change.
    let c = h.connect().unwrap();
    assert!(h.is_open(c));
    assert_eq!(h.status(b), Status::Closed { io_error: Some(io::ErrorKind::ConnectionReset) });
}

/// Ignores input without consuming it: a protocol bug the stream stops.
#[derive(Debug)]
struct Stuck;

impl Protocol for Stuck {
    type Context = ();
    type Socket = SimSocket;
    fn create(_: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Stuck> {
        Intent::of(Stuck).expect_bytes(1)
    }
    fn bytes_read(self, _: &mut Transport<'_, SimSocket>, _: usize, _: &mut Scope<'_, ()>) -> Intent<Stuck> {
        Intent::of(Stuck).expect_bytes(1)
    }
    fn bytes_flushed(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Stuck> {
        Intent::done()
    }
    fn timeout(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Stuck> {
        Intent::done()
    }
}

#[test]
fn a_protocol_that_makes_no_progress_fails_and_says_why() {
    let mut h = Harness::<Stream<Stuck>>::new(()).unwrap();
    let peer = h.connect().unwrap();
    h.send(peer, b"x");
    match h.status(peer) {
        Status::Failed(e) => assert_eq!(e.what(), "protocol made no progress"),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.counters().machines_failed(), 1);
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_full_pool_refuses_the_connection() {
    let mut config = LoopConfig::new();
    config.buffers(64, 2);
    let mut h = Harness::<Stream<Echo>>::with_config(&config, Seen::default()).unwrap();
    let a = h.connect().unwrap();
    h.set_window(a, Some(0));
    h.send(a, b"holds a buffer");
    assert_eq!(h.buffers_held(), 1, "the unsent output; a new connection needs two");
    let refused = h.connect().unwrap_err();
    assert_eq!(refused.what(), "buffer pool exhausted");
    h.set_window(a, None);
    assert_eq!(h.take_output(a), b"holds a buffer");
    assert!(h.connect().is_ok());
}

#[test]
fn a_drain_reaches_the_protocol() {
    let mut h = echo();
    let peer = h.connect().unwrap();
    let deadline = h.now() + Duration::from_secs(1);
    h.drain(deadline);
    // Echo ignores drains: the loop's drain deadline ends it.
    assert!(h.is_open(peer));
    h.advance(Duration::from_secs(1));
    assert!(!h.is_open(peer));
    assert_eq!(h.buffers_held(), 0);
}

type Server = crate::machine::Accept<crate::testing::SimListener, Stream<Echo>>;

fn server() -> (Harness<Server>, super::ListenerId) {
    let mut h = Harness::<Server>::new(Seen::default()).unwrap();
    let (id, listener) = h.listener();
    h.add_machine_with(|s| crate::machine::Accept::new(listener, s)).unwrap();
    (h, id)
}

#[test]
fn a_listener_accepts_the_connections_the_test_opens() {
    let (mut h, listener) = server();
    let a = h.connect_to(listener);
    let b = h.connect_to(listener);
    assert_eq!(h.loop_instance().machine_count(), 3, "the listener and two streams");
    h.send(a, b"to a");
    h.send(b, b"to b");
    assert_eq!(h.take_output(b), b"to b");
    assert_eq!(h.take_output(a), b"to a");
    assert!(matches!(h.machine(a), Some(crate::machine::Accept::Conn(_))));
    assert_eq!(h.counters().accepts(), 2);
    h.reset(a);
    assert_eq!(h.status(a), Status::Closed { io_error: Some(io::ErrorKind::ConnectionReset) });
    assert!(h.is_open(b));
    h.wake(b);
    assert_eq!(h.context().wakeups, 1);
}

#[test]
fn a_draining_server_closes_its_listener_and_refuses_new_connections() {
    let (mut h, listener) = server();
    let a = h.connect_to(listener);
    let deadline = h.now() + Duration::from_secs(1);
    h.drain(deadline);
    let late = h.connect_to(listener);
    assert_eq!(h.status(late), Status::Closed { io_error: Some(io::ErrorKind::ConnectionRefused) });
    assert!(h.is_open(a), "Echo ignores drains: the drain deadline ends it");
    h.advance(Duration::from_secs(1));
    assert!(!h.is_open(a));
    assert!(h.loop_instance().is_shutdown());
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn connections_wait_in_the_backlog_when_the_slab_is_full() {
    let mut config = LoopConfig::new();
    config.machines(2);
    let mut h = Harness::<Server>::with_config(&config, Seen::default()).unwrap();
    let (listener_id, listener) = h.listener();
    h.add_machine_with(|s| crate::machine::Accept::new(listener, s)).unwrap();
    let a = h.connect_to(listener_id);
    let b = h.connect_to(listener_id);
    assert!(h.is_open(a));
    // Accepted and refused (closed) by a full slab, as Accept does.
    assert_eq!(h.status(b), Status::Closed { io_error: None });
    assert_eq!(h.interest(b), None);
}

/// Wakes itself (a local wake-up) three times per line, each from the last
/// wake-up, which the loop delivers a turn later each time.
#[derive(Debug)]
struct Chain(u32);

impl Protocol for Chain {
    type Context = u32;
    type Socket = SimSocket;
    fn create(_: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, u32>) -> Intent<Chain> {
        Intent::of(Chain(0)).expect_bytes(1)
    }
    fn bytes_read(self, t: &mut Transport<'_, SimSocket>, _: usize, s: &mut Scope<'_, u32>) -> Intent<Chain> {
        t.input().consume(1);
        let _ = s.wake(s.address());
        Intent::of(Chain(3)).expect_bytes(1)
    }
    fn bytes_flushed(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, u32>) -> Intent<Chain> {
        Intent::of(self).expect_bytes(1)
    }
    fn wakeup(self, _: &mut Transport<'_, SimSocket>, s: &mut Scope<'_, u32>) -> Intent<Chain> {
        **s += 1;
        if self.0 > 1 {
            let _ = s.wake(s.address());
        }
        Intent::of(Chain(self.0 - 1)).unchanged()
    }
    fn timeout(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, u32>) -> Intent<Chain> {
        Intent::done()
    }
}

#[test]
fn local_wake_ups_left_to_the_next_turn_are_delivered_before_settle_returns() {
    let mut h = Harness::<Stream<Chain>>::new(0).unwrap();
    let peer = h.connect().unwrap();
    h.send(peer, b"x");
    assert_eq!(*h.context(), 3);
    assert_eq!(h.counters().local_wakes(), 3);
}
