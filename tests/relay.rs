//! `mio::relay::Relay` in one loop, driven turn by turn from the test's
//! thread over two Unix socket pairs (`left` <-> a, b <-> `right`): bytes
//! both ways, backpressure with at most one buffer per direction, half-close
//! passed on each way, and every buffer back in the pool however the relay
//! ends (done, a reset, its deadline, the loop closing). Runs on both
//! backends (`.ci/run` forces poll(2) in one pass). Every wait is a bounded
//! number of short turns.

mod util;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use mio::machine::{Created, Loop, LoopConfig, LoopInstance, Machine, Response, Scope};
use mio::relay::{Relay, Step};
use mio::unix::UnixStream;
use mio::EventSet;
use util::DEADLINE;

/// How the relays ended.
#[derive(Default, Debug)]
struct Ends {
    done: usize,
    failed: Vec<io::ErrorKind>,
    timed_out: usize,
    /// The deadline each relay gets, pushed back on every event.
    idle: Option<Duration>,
}

struct Pair(Relay<UnixStream, UnixStream>);

impl Pair {
    fn keep(relay: Relay<UnixStream, UnixStream>, scope: &mut Scope<'_, Ends>) -> Response<Self, ()> {
        match scope.idle {
            Some(idle) => Response::keep(Pair(relay)).deadline(scope.now() + idle),
            None => Response::ok(Pair(relay)),
        }
    }
}

impl Machine for Pair {
    type Context = Ends;
    type Seed = ();
    fn create((): (), _: &mut Scope<'_, Ends>) -> Created<Self> {
        unreachable!("added with add_machine_with")
    }
    fn ready(self, events: EventSet, scope: &mut Scope<'_, Ends>) -> Response<Self, ()> {
        match self.0.ready(events, scope) {
            Step::Open(relay) => Pair::keep(relay, scope),
            Step::Done => {
                scope.done += 1;
                Response::done()
            }
            Step::Failed(e) => {
                scope.failed.push(e.kind());
                Response::done()
            }
        }
    }
    fn timeout(self, scope: &mut Scope<'_, Ends>) -> Response<Self, ()> {
        scope.timed_out += 1;
        self.0.close(scope);
        Response::done()
    }
}

/// A loop with one relay, and the two outer ends.
fn relay(chunk: usize, idle: Option<Duration>) -> (LoopInstance<Pair>, UnixStream, UnixStream) {
    let mut config = LoopConfig::new();
    config.buffers(chunk, 8);
    let mut lp = Loop::<Pair>::new(&config).unwrap().instantiate(Ends { idle, ..Ends::default() });
    let (left, a) = UnixStream::pair().unwrap();
    let (b, right) = UnixStream::pair().unwrap();
    lp.add_machine_with(|scope| match Relay::start(a, b, scope) {
        Step::Open(relay) => Created::ok(Pair(relay)),
        other => panic!("did not start: {other:?}"),
    })
    .unwrap();
    (lp, left, right)
}

/// Runs short turns until `done` holds.
fn turn_until(lp: &mut LoopInstance<Pair>, what: &str, mut done: impl FnMut(&mut LoopInstance<Pair>) -> bool) {
    let start = Instant::now();
    while !done(lp) {
        assert!(start.elapsed() < DEADLINE, "{what}: not within {DEADLINE:?}; {:?}", lp.context());
        lp.run_once(Some(Duration::from_millis(5))).unwrap();
    }
}

/// Reads what is there (non-blocking); `None` at end of stream.
fn read_some(socket: &mut UnixStream, into: &mut Vec<u8>) -> Option<usize> {
    let mut buf = [0; 4096];
    let mut total = 0;
    loop {
        match socket.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => {
                into.extend_from_slice(&buf[..n]);
                total += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Some(total),
            Err(e) => panic!("read: {e}"),
        }
    }
}

fn buffers_held(lp: &LoopInstance<Pair>) -> usize {
    lp.buffers_total() - lp.buffers_free()
}

#[test]
fn bytes_go_both_ways_and_each_end_of_stream_is_passed_on() {
    let (mut lp, mut left, mut right) = relay(64, None);
    left.write_all(b"from the left").unwrap();
    right.write_all(b"from the right").unwrap();
    let (mut at_right, mut at_left) = (Vec::new(), Vec::new());
    turn_until(&mut lp, "both messages", |_| {
        read_some(&mut right, &mut at_right);
        read_some(&mut left, &mut at_left);
        at_right.len() == 13 && at_left.len() == 14
    });
    assert_eq!((&at_right[..], &at_left[..]), (&b"from the left"[..], &b"from the right"[..]));
    assert_eq!(buffers_held(&lp), 0, "an idle relay holds no buffer");

    // The left closes its writing side: the right reads the end, and can
    // still answer.
    left.write_all(b"last words").unwrap();
    left.shutdown(std::net::Shutdown::Write).unwrap();
    at_right.clear();
    turn_until(&mut lp, "the left's end at the right", |_| read_some(&mut right, &mut at_right).is_none());
    assert_eq!(at_right, b"last words");
    right.write_all(b"reply after the end").unwrap();
    at_left.clear();
    turn_until(&mut lp, "the reply", |_| {
        read_some(&mut left, &mut at_left);
        at_left.len() == 19
    });
    assert_eq!(lp.machine_count(), 1, "half open: the relay goes on");

    // Now the right: the left reads the end, and the relay is done.
    right.shutdown(std::net::Shutdown::Write).unwrap();
    turn_until(&mut lp, "the right's end at the left", |_| read_some(&mut left, &mut Vec::new()).is_none());
    turn_until(&mut lp, "the relay's end", |lp| lp.machine_count() == 0);
    assert_eq!((lp.context().done, lp.buffers_free()), (1, lp.buffers_total()));
}

#[test]
fn a_side_that_does_not_read_stops_the_other_with_one_buffer_held() {
    const CHUNK: usize = 4096;
    let (mut lp, mut left, mut right) = relay(CHUNK, None);
    let data: Vec<u8> = (0..4 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    // Write until the left is refused while the relay runs: the right's
    // socket fills, then the relay's buffer, then the left's socket.
    let mut sent = 0;
    let mut refused_turns = 0;
    while refused_turns < 3 {
        match left.write(&data[sent..]) {
            Ok(n) => {
                sent += n;
                refused_turns = 0;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => refused_turns += 1,
            Err(e) => panic!("{e}"),
        }
        assert!(sent < data.len(), "4 MiB went in without anyone reading: no backpressure");
        lp.run_once(Some(Duration::from_millis(5))).unwrap();
        assert!(buffers_held(&lp) <= 1, "one direction holds at most one buffer");
    }
    assert_eq!(buffers_held(&lp), 1, "the stalled direction holds its buffer");
    // The right reads now: everything arrives, in order, then the buffer
    // goes back.
    let mut got = Vec::new();
    turn_until(&mut lp, "the rest", |lp| {
        if sent < data.len() {
            match left.write(&data[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        read_some(&mut right, &mut got);
        assert!(buffers_held(lp) <= 1);
        got.len() == data.len()
    });
    assert!(got == data, "bytes changed on the way");
    turn_until(&mut lp, "the buffer back", |lp| buffers_held(lp) == 0);
}

#[test]
fn a_reset_ends_the_relay_with_its_buffers_back() {
    let (mut lp, mut left, right) = relay(64, None);
    drop(right);
    // Writes to the closed side fail; the relay ends with the error.
    let start = Instant::now();
    while lp.machine_count() > 0 {
        assert!(start.elapsed() < DEADLINE, "the relay did not end: {:?}", lp.context());
        let _ = left.write(b"into the void");
        lp.run_once(Some(Duration::from_millis(5))).unwrap();
    }
    let ends = lp.context();
    assert!(ends.done + ends.failed.len() == 1, "{ends:?}");
    assert_eq!(lp.buffers_free(), lp.buffers_total());
    // The left sees the end too.
    turn_until(&mut lp, "the left's end", |_| match left.read(&mut [0; 64]) {
        Ok(n) => n == 0,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    });
}

#[test]
fn a_deadline_or_the_loop_closing_gives_held_buffers_back() {
    for by_deadline in [true, false] {
        let (mut lp, mut left, _right) = relay(64, by_deadline.then_some(Duration::from_millis(50)));
        // Fill the right's socket so a buffer stays held.
        let chunk = [7u8; 4096];
        let start = Instant::now();
        while buffers_held(&lp) == 0 {
            assert!(start.elapsed() < DEADLINE, "no buffer held");
            let _ = left.write(&chunk);
            lp.run_once(Some(Duration::from_millis(5))).unwrap();
        }
        if by_deadline {
            turn_until(&mut lp, "the idle deadline", |lp| lp.machine_count() == 0);
            assert_eq!(lp.context().timed_out, 1);
        } else {
            lp.close();
            assert_eq!(lp.machine_count(), 0);
        }
        assert_eq!(lp.buffers_free(), lp.buffers_total(), "by deadline: {by_deadline}");
    }
}
