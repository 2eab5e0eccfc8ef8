//! `unix::pipe()`: readiness through the event loop, edge vs level, and
//! `WouldBlock` on an empty or full pipe.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use mio::unix::{pipe, PipeReader, PipeWriter};
use mio::{EventLoop, EventSet, Events, Handler, Poll, PollOpt, Token};
use util::wait_for;

const READER: Token = Token(10);
const WRITER: Token = Token(11);

/// Records every event and the bytes it read.
#[derive(Default)]
struct Recorder {
    events: Vec<(Token, EventSet)>,
}

impl Handler for Recorder {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, _: &mut EventLoop<Recorder>, token: Token, events: EventSet) {
        self.events.push((token, events));
    }
}

/// Runs turns (bounded) until `done` holds.
fn run_until(event_loop: &mut EventLoop<Recorder>, h: &mut Recorder, done: impl Fn(&Recorder) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(h) {
        assert!(Instant::now() < deadline, "condition not met within 5s; events: {:?}", h.events);
        event_loop.run_once(h, Some(Duration::from_millis(100))).unwrap();
    }
}

#[test]
fn readable_and_writable_through_the_loop() {
    let mut event_loop = EventLoop::new().unwrap();
    let mut h = Recorder::default();
    let (mut r, mut w) = pipe().unwrap();
    event_loop.register(&r, READER, EventSet::readable(), PollOpt::edge()).unwrap();
    event_loop.register(&w, WRITER, EventSet::writable(), PollOpt::edge()).unwrap();

    run_until(&mut event_loop, &mut h, |h| h.events.iter().any(|&(t, e)| t == WRITER && e.is_writable()));
    assert!(h.events.iter().all(|&(t, _)| t != READER), "empty pipe reported readable");

    w.write_all(b"hello pipe").unwrap();
    run_until(&mut event_loop, &mut h, |h| h.events.iter().any(|&(t, e)| t == READER && e.is_readable()));
    let mut buf = [0; 32];
    assert_eq!(r.read(&mut buf).unwrap(), 10);
    assert_eq!(&buf[..10], b"hello pipe");
    assert_eq!(r.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
}

/// Polls once without waiting and returns the events for `token`.
fn poll_now(poll: &Poll, events: &mut Events, token: Token) -> usize {
    poll.poll(events, Some(Duration::ZERO)).unwrap();
    events.iter().filter(|ev| ev.token() == token).count()
}

#[test]
fn edge_reports_once_level_reports_again() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (edge_r, mut edge_w) = pipe().unwrap();
    let (level_r, mut level_w) = pipe().unwrap();
    poll.register(&edge_r, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    poll.register(&level_r, Token(2), EventSet::readable(), PollOpt::level()).unwrap();
    edge_w.write_all(b"x").unwrap();
    level_w.write_all(b"x").unwrap();

    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    // The data is still unread: edge stays quiet, level reports again.
    assert_eq!(poll_now(&poll, &mut events, Token(1)), 0);
    assert_eq!(poll_now(&poll, &mut events, Token(1)), 0);
    assert!(wait_for(&poll, &mut events, Token(2)).is_readable());
    assert_eq!(poll_now(&poll, &mut events, Token(2)), 1);

    // New data is a new edge. epoll sees it even with data left unread; the
    // poll(2) backend's edge emulation needs the reader to hit WouldBlock first.
    if Poll::backend() == "poll" {
        let mut buf = [0; 8];
        assert_eq!((&edge_r).read(&mut buf).unwrap(), 1);
        assert_eq!((&edge_r).read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }
    edge_w.write_all(b"y").unwrap();
    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
}

#[test]
fn oneshot_needs_reregister() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (r, mut w) = pipe().unwrap();
    poll.register(&r, Token(5), EventSet::readable(), PollOpt::edge() | PollOpt::oneshot()).unwrap();
    w.write_all(b"a").unwrap();
    assert!(wait_for(&poll, &mut events, Token(5)).is_readable());
    w.write_all(b"b").unwrap();
    assert_eq!(poll_now(&poll, &mut events, Token(5)), 0);
    poll.reregister(&r, Token(5), EventSet::readable(), PollOpt::edge() | PollOpt::oneshot()).unwrap();
    assert!(wait_for(&poll, &mut events, Token(5)).is_readable());
}

#[test]
fn would_block_when_empty_or_full() {
    let (mut r, mut w): (PipeReader, PipeWriter) = pipe().unwrap();
    let mut buf = [0; 4096];
    assert_eq!(r.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

    // Fill the pipe (bounded: a pipe holds at most a few MiB).
    let chunk = [7u8; 4096];
    let mut written = 0;
    for _ in 0..10_000 {
        match w.write(&chunk) {
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => panic!("write: {e}"),
        }
    }
    assert_eq!((&w).write(&chunk).unwrap_err().kind(), ErrorKind::WouldBlock);

    let mut read = 0;
    loop {
        match (&r).read(&mut buf) {
            Ok(n) => read += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => panic!("read: {e}"),
        }
    }
    assert_eq!(read, written);
}

#[test]
fn closed_writer_gives_hup_and_eof() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut r, w) = pipe().unwrap();
    poll.register(&r, Token(9), EventSet::readable(), PollOpt::edge()).unwrap();
    drop(w);
    let kind = wait_for(&poll, &mut events, Token(9));
    assert!(kind.is_hup(), "{kind:?}");
    assert_eq!(r.read(&mut [0; 8]).unwrap(), 0);
}
