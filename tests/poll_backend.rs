//! Behaviour the portable poll(2) backend must share with epoll: registration
//! from another thread during a poll, many registrations, the registration
//! capacity, edge/oneshot emulation, hup/error reporting and closed fds.
//!
//! These run in every configuration (`.ci/run` runs the suite on epoll, with
//! `--cfg mio_force_poll` and with `--cfg mio_force_waker_pipe`); where the
//! backends differ on purpose, the test says which and checks each.

mod util;

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use mio::unix::{pipe, EventedFd, PipeReader, PipeWriter};
use mio::{EventLoop, EventLoopConfig, EventSet, Events, Handler, Poll, PollOpt, Token};
use util::blocked::{current_thread, wait_until_blocked_in_poll};
use util::fd_limit::ensure_fd_limit;
use util::wait_for;

const QUIET: Duration = Duration::from_millis(100);
const LONG: Duration = Duration::from_secs(10);

fn is_poll_backend() -> bool {
    Poll::backend() == "poll"
}

/// One poll: the (token, kind) pairs it returned.
fn poll_once(poll: &Poll, events: &mut Events, timeout: Duration) -> Vec<(Token, EventSet)> {
    poll.poll(events, Some(timeout)).expect("poll");
    events.iter().map(|ev| (ev.token(), ev.kind())).collect()
}

/// One poll of `QUIET` reports nothing for `token`.
fn assert_quiet(poll: &Poll, events: &mut Events, token: Token) {
    let got = util::events_for(poll, events, token, QUIET);
    assert!(got.is_empty(), "unexpected event for {token:?}: {got:?}");
}

/// Reads until `WouldBlock`; returns the bytes read.
fn drain(reader: &mut PipeReader) -> usize {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Writes until `WouldBlock`.
fn fill(writer: &mut PipeWriter) {
    let buf = [7u8; 4096];
    loop {
        match writer.write(&buf) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => panic!("write: {e}"),
        }
    }
}

#[test]
fn reports_which_backend_is_compiled_in() {
    let expected = if cfg!(mio_force_poll) { "poll" } else { "epoll" };
    assert_eq!(Poll::backend(), expected);
    let waker = if cfg!(mio_force_waker_pipe) { "pipe" } else { "eventfd" };
    assert_eq!(Poll::waker_backend(), waker);
}

#[test]
fn register_from_another_thread_wakes_a_blocked_poll() {
    let poll = Arc::new(Poll::new().unwrap());
    let barrier = Arc::new(Barrier::new(2));
    let (where_tx, where_rx) = std::sync::mpsc::channel();
    let poller = {
        let (poll, barrier) = (poll.clone(), barrier.clone());
        thread::spawn(move || {
            let mut events = Events::with_capacity(8);
            where_tx.send(current_thread()).unwrap();
            barrier.wait();
            let start = Instant::now();
            poll.poll(&mut events, Some(LONG)).unwrap();
            let got: Vec<_> = events.iter().map(|ev| ev.token()).collect();
            (got, start.elapsed())
        })
    };
    let (reader, mut writer) = pipe().unwrap();
    writer.write_all(b"x").unwrap();
    let poller_thread = where_rx.recv().unwrap();
    barrier.wait();
    // The poller blocks on the table without the pipe; then we register.
    wait_until_blocked_in_poll(&poller_thread);
    poll.register(&reader, Token(7), EventSet::readable(), PollOpt::edge()).unwrap();
    let (got, elapsed) = poller.join().unwrap();
    assert_eq!(got, vec![Token(7)]);
    assert!(elapsed < LONG / 2, "the poll was not woken: {elapsed:?}");
}

#[test]
fn deregister_from_another_thread_silences_a_blocked_poll() {
    let poll = Arc::new(Poll::new().unwrap());
    let (reader, mut writer) = pipe().unwrap();
    poll.register(&reader, Token(1), EventSet::readable(), PollOpt::level()).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let (where_tx, where_rx) = std::sync::mpsc::channel();
    let poller = {
        let (poll, barrier) = (poll.clone(), barrier.clone());
        thread::spawn(move || {
            let mut events = Events::with_capacity(8);
            where_tx.send(current_thread()).unwrap();
            barrier.wait();
            let start = Instant::now();
            let n = poll.poll(&mut events, Some(Duration::from_millis(300))).unwrap();
            (n, start.elapsed())
        })
    };
    let poller_thread = where_rx.recv().unwrap();
    barrier.wait();
    wait_until_blocked_in_poll(&poller_thread);
    poll.deregister(&reader).unwrap();
    writer.write_all(b"x").unwrap();
    let (n, elapsed) = poller.join().unwrap();
    assert_eq!(n, 0, "a deregistered source was reported");
    assert!(elapsed >= Duration::from_millis(300), "poll returned early: {elapsed:?}");
}

#[test]
fn ten_thousand_registrations() {
    const PIPES: usize = 5_000;
    if let Err(why) = ensure_fd_limit(2 * PIPES as u64 + 512) {
        println!("skipped ten_thousand_registrations: {why}");
        return;
    }
    let poll = Poll::new().unwrap();
    let mut pipes = Vec::with_capacity(PIPES);
    for i in 0..PIPES {
        let (reader, writer) = pipe().unwrap();
        poll.register(&reader, Token(2 * i), EventSet::readable(), PollOpt::edge()).unwrap();
        poll.register(&writer, Token(2 * i + 1), EventSet::writable(), PollOpt::edge()).unwrap();
        pipes.push((reader, writer));
    }
    // Every writer is writable: 5,000 events, in one poll or a few.
    let mut events = Events::with_capacity(2 * PIPES);
    let mut writable = vec![false; PIPES];
    let deadline = Instant::now() + LONG;
    while writable.iter().any(|w| !w) && Instant::now() < deadline {
        for (token, kind) in poll_once(&poll, &mut events, QUIET) {
            assert!(token.0 % 2 == 1 && kind.is_writable(), "{token:?} {kind:?}");
            writable[token.0 / 2] = true;
        }
    }
    assert!(writable.iter().all(|w| *w), "not every writer was reported writable");
    // Only the last reader becomes readable.
    (&pipes[PIPES - 1].1).write_all(b"x").unwrap();
    let got = poll_once(&poll, &mut events, LONG);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, Token(2 * PIPES - 2));
    for (reader, writer) in &pipes {
        poll.deregister(reader).unwrap();
        poll.deregister(writer).unwrap();
    }
    assert_eq!(poll.poll(&mut events, Some(Duration::ZERO)).unwrap(), 0);
}

#[test]
fn registrations_beyond_capacity_are_a_typed_error() {
    let poll = Poll::with_registrations(4).unwrap();
    let pipes: Vec<_> = (0..5).map(|_| pipe().unwrap()).collect();
    for (i, (reader, _)) in pipes.iter().take(4).enumerate() {
        poll.register(reader, Token(i), EventSet::readable(), PollOpt::level()).unwrap();
    }
    let fifth = poll.register(&pipes[4].0, Token(4), EventSet::readable(), PollOpt::level());
    if !is_poll_backend() {
        println!("epoll keeps registrations in the kernel and ignores the capacity");
        fifth.unwrap();
        return;
    }
    let err = fifth.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::OutOfMemory);
    assert!(err.to_string().contains("registration table is full"), "{err}");
    // A freed entry (deregistered, or dropped while registered) makes room.
    poll.deregister(&pipes[0].0).unwrap();
    poll.register(&pipes[4].0, Token(4), EventSet::readable(), PollOpt::level()).unwrap();
    let mut pipes = pipes;
    drop(pipes.remove(1));
    let (extra, _w) = pipe().unwrap();
    poll.register(&extra, Token(5), EventSet::readable(), PollOpt::level()).unwrap();
}

#[test]
fn an_absurd_capacity_is_an_error_not_a_panic() {
    match Poll::with_registrations(usize::MAX) {
        Ok(_) => assert!(!is_poll_backend(), "epoll ignores the capacity"),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::InvalidInput),
    }
}

#[test]
fn the_loop_waker_does_not_use_a_registration() {
    let mut config = EventLoopConfig::new();
    config.registrations(2);
    let mut event_loop: EventLoop<()> = EventLoop::configured(config).unwrap();
    let pipes: Vec<_> = (0..3).map(|_| pipe().unwrap()).collect();
    event_loop.register(&pipes[0].0, Token(0), EventSet::readable(), PollOpt::edge()).unwrap();
    event_loop.register(&pipes[1].0, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    let third = event_loop.register(&pipes[2].0, Token(2), EventSet::readable(), PollOpt::edge());
    if is_poll_backend() {
        assert_eq!(third.unwrap_err().kind(), io::ErrorKind::OutOfMemory);
    } else {
        third.unwrap();
    }
}

#[test]
fn edge_reports_once_until_would_block() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut reader, mut writer) = pipe().unwrap();
    poll.register(&reader, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    assert_quiet(&poll, &mut events, Token(1));

    writer.write_all(b"abc").unwrap();
    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    assert_quiet(&poll, &mut events, Token(1));

    // A partial read is no new edge on either backend.
    let mut one = [0u8; 1];
    assert_eq!(reader.read(&mut one).unwrap(), 1);
    assert_quiet(&poll, &mut events, Token(1));

    // More data without a WouldBlock in between: epoll sees a new edge; the
    // poll(2) emulation stays disarmed until the reader hits WouldBlock.
    writer.write_all(b"d").unwrap();
    if is_poll_backend() {
        assert_quiet(&poll, &mut events, Token(1));
    } else {
        assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    }

    // Read to WouldBlock: quiet until new data comes, then one event.
    assert_eq!(drain(&mut reader), 3);
    assert_quiet(&poll, &mut events, Token(1));
    writer.write_all(b"e").unwrap();
    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    assert_quiet(&poll, &mut events, Token(1));
}

#[test]
fn edge_writable_comes_back_after_a_full_pipe_drains() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut reader, mut writer) = pipe().unwrap();
    poll.register(&writer, Token(2), EventSet::writable(), PollOpt::edge()).unwrap();
    assert!(wait_for(&poll, &mut events, Token(2)).is_writable());
    assert_quiet(&poll, &mut events, Token(2));
    fill(&mut writer);
    assert_quiet(&poll, &mut events, Token(2));
    drain(&mut reader);
    assert!(wait_for(&poll, &mut events, Token(2)).is_writable());
    assert_quiet(&poll, &mut events, Token(2));
}

#[test]
fn level_reports_while_ready() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut reader, mut writer) = pipe().unwrap();
    poll.register(&reader, Token(3), EventSet::readable(), PollOpt::level()).unwrap();
    writer.write_all(b"x").unwrap();
    for _ in 0..3 {
        assert!(wait_for(&poll, &mut events, Token(3)).is_readable());
    }
    drain(&mut reader);
    assert_quiet(&poll, &mut events, Token(3));
}

#[test]
fn oneshot_disarms_until_reregister() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut reader, mut writer) = pipe().unwrap();
    poll.register(&reader, Token(4), EventSet::readable(), PollOpt::edge() | PollOpt::oneshot()).unwrap();
    writer.write_all(b"x").unwrap();
    assert!(wait_for(&poll, &mut events, Token(4)).is_readable());
    assert_quiet(&poll, &mut events, Token(4));
    // WouldBlock does not re-arm a oneshot registration.
    drain(&mut reader);
    writer.write_all(b"y").unwrap();
    assert_quiet(&poll, &mut events, Token(4));
    poll.reregister(&reader, Token(5), EventSet::readable(), PollOpt::edge() | PollOpt::oneshot()).unwrap();
    assert!(wait_for(&poll, &mut events, Token(5)).is_readable());
    assert_quiet(&poll, &mut events, Token(5));
}

#[test]
fn hangup_and_error_are_reported_like_epoll() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);

    // Writer closed: the reader sees hup, once on an edge registration.
    let (reader, writer) = pipe().unwrap();
    poll.register(&reader, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    drop(writer);
    assert!(wait_for(&poll, &mut events, Token(1)).is_hup());
    assert_quiet(&poll, &mut events, Token(1));

    // Reader closed: the writer sees an error.
    let (reader, writer) = pipe().unwrap();
    poll.register(&writer, Token(2), EventSet::writable(), PollOpt::edge()).unwrap();
    assert!(wait_for(&poll, &mut events, Token(2)).is_writable());
    drop(reader);
    assert!(wait_for(&poll, &mut events, Token(2)).is_error());
    assert_quiet(&poll, &mut events, Token(2));

    // Peer shut down its writing half: readable and hup.
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    let fd = a.as_raw_fd();
    poll.register(&EventedFd(&fd), Token(3), EventSet::readable(), PollOpt::level()).unwrap();
    b.shutdown(std::net::Shutdown::Write).unwrap();
    let kind = wait_for(&poll, &mut events, Token(3));
    assert!(kind.is_readable() && kind.is_hup(), "{kind:?}");
    poll.deregister(&EventedFd(&fd)).unwrap();
}

#[test]
fn more_ready_sources_than_events_are_all_served() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(2);
    let pipes: Vec<_> = (0..5).map(|_| pipe().unwrap()).collect();
    for (i, (_, writer)) in pipes.iter().enumerate() {
        poll.register(writer, Token(i), EventSet::writable(), PollOpt::level()).unwrap();
    }
    let mut seen = [false; 5];
    for _ in 0..3 {
        let got = poll_once(&poll, &mut events, LONG);
        assert!(got.len() <= 2);
        for (token, _) in got {
            seen[token.0] = true;
        }
    }
    assert!(seen.iter().all(|s| *s), "a ready source was starved: {seen:?}");
}

/// A `UnixStream` pair whose first end has exactly the fd number `fd`, if
/// one can be had (the lowest free number is reused, but other tests open
/// fds concurrently).
fn pair_with_fd(fd: i32) -> Option<(UnixStream, UnixStream)> {
    let mut others = Vec::new();
    for _ in 0..64 {
        let (a, b) = UnixStream::pair().unwrap();
        if a.as_raw_fd() == fd {
            return Some((a, b));
        }
        let done = a.as_raw_fd() > fd && b.as_raw_fd() > fd;
        others.push((a, b));
        if done {
            break;
        }
    }
    None
}

#[test]
fn a_closed_fd_left_registered_is_forgotten_and_its_number_reusable() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);

    // Closed without deregistering, then polled: nothing is reported, and the
    // poll is not woken over and over (POLLNVAL entries are dropped).
    let (a, b) = UnixStream::pair().unwrap();
    let old = a.as_raw_fd();
    poll.register(&EventedFd(&old), Token(1), EventSet::readable(), PollOpt::level()).unwrap();
    drop(a);
    drop(b);
    let start = Instant::now();
    assert_eq!(poll.poll(&mut events, Some(Duration::from_millis(200))).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(200), "poll returned early: {:?}", start.elapsed());

    // The number, reused by a new fd after that poll, registers afresh.
    let Some((c, d)) = pair_with_fd(old) else {
        println!("skipped fd reuse: fd {old} was taken by another test");
        return;
    };
    c.set_nonblocking(true).unwrap();
    poll.register(&EventedFd(&old), Token(2), EventSet::readable(), PollOpt::level()).unwrap();
    (&d).write_all(b"x").unwrap();
    assert_eq!(poll_once(&poll, &mut events, LONG), vec![(Token(2), EventSet::readable())]);
    drop(c);
    drop(d);

    // Reused before any poll saw the old fd closed: still a fresh registration.
    let (e, f) = UnixStream::pair().unwrap();
    let old = e.as_raw_fd();
    poll.register(&EventedFd(&old), Token(3), EventSet::readable(), PollOpt::level()).unwrap();
    drop(e);
    drop(f);
    let Some((g, h)) = pair_with_fd(old) else {
        println!("skipped fd reuse before poll: fd {old} was taken by another test");
        return;
    };
    poll.register(&EventedFd(&old), Token(4), EventSet::readable(), PollOpt::level()).unwrap();
    (&h).write_all(b"x").unwrap();
    assert_eq!(poll_once(&poll, &mut events, LONG), vec![(Token(4), EventSet::readable())]);
    drop(g);
}

#[test]
fn a_dropped_source_leaves_no_entry_behind() {
    let poll = Poll::with_registrations(1).unwrap();
    let mut events = Events::with_capacity(8);
    for i in 0..3 {
        let (reader, mut writer) = pipe().unwrap();
        poll.register(&reader, Token(i), EventSet::readable(), PollOpt::edge()).unwrap();
        writer.write_all(b"x").unwrap();
        assert!(wait_for(&poll, &mut events, Token(i)).is_readable());
    }
    assert_eq!(poll.poll(&mut events, Some(Duration::ZERO)).unwrap(), 0);
}

#[test]
fn a_source_outlives_its_poll() {
    let (reader, _writer) = pipe().unwrap();
    let poll = Poll::new().unwrap();
    poll.register(&reader, Token(0), EventSet::readable(), PollOpt::edge()).unwrap();
    drop(poll);
    let poll = Poll::new().unwrap();
    match poll.register(&reader, Token(0), EventSet::readable(), PollOpt::edge()) {
        Ok(()) => assert!(is_poll_backend(), "epoll remembers the dead Poll's id"),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::AlreadyExists),
    }
}

struct Pong {
    got: Option<u32>,
}

impl Handler for Pong {
    type Timeout = ();
    type Message = u32;
    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u32) {
        self.got = Some(msg);
        event_loop.shutdown();
    }
}

#[test]
fn the_waker_interrupts_a_sleeping_loop() {
    let mut event_loop = EventLoop::new().unwrap();
    let sender = event_loop.channel();
    let me = current_thread();
    let thread = thread::spawn(move || {
        wait_until_blocked_in_poll(&me);
        sender.send(42).unwrap();
    });
    let start = Instant::now();
    let mut pong = Pong { got: None };
    while pong.got.is_none() && start.elapsed() < LONG {
        event_loop.run_once(&mut pong, Some(LONG)).unwrap();
    }
    thread.join().unwrap();
    assert_eq!(pong.got, Some(42));
    assert!(start.elapsed() < LONG / 2);
}

/// The doc example's echo protocol: whatever arrives is written back.
struct Echo;

impl mio::stream::Protocol for Echo {
    type Context = ();
    type Socket = mio::unix::UnixStream;

    fn create(
        _t: &mut mio::stream::Transport<'_, mio::unix::UnixStream>,
        _s: &mut mio::machine::Scope<'_, ()>,
    ) -> mio::stream::Intent<Self> {
        mio::stream::Intent::of(Echo).expect_bytes(1)
    }

    fn bytes_read(
        self,
        t: &mut mio::stream::Transport<'_, mio::unix::UnixStream>,
        _end: usize,
        _s: &mut mio::machine::Scope<'_, ()>,
    ) -> mio::stream::Intent<Self> {
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        if input.is_empty() {
            mio::stream::Intent::of(Echo).expect_bytes(1)
        } else {
            mio::stream::Intent::of(Echo).expect_flush()
        }
    }

    fn bytes_flushed(
        self,
        _t: &mut mio::stream::Transport<'_, mio::unix::UnixStream>,
        _s: &mut mio::machine::Scope<'_, ()>,
    ) -> mio::stream::Intent<Self> {
        mio::stream::Intent::of(Echo).expect_bytes(1)
    }

    fn timeout(
        self,
        _t: &mut mio::stream::Transport<'_, mio::unix::UnixStream>,
        _s: &mut mio::machine::Scope<'_, ()>,
    ) -> mio::stream::Intent<Self> {
        mio::stream::Intent::done()
    }
}

/// The stream layer stops reading at a short read (the socket is drained for
/// now); on poll(2) it must go on to `WouldBlock`, or the emulated edge never
/// re-arms and the second message is never seen. Small messages check the
/// reads; one larger than the socket buffers checks short writes.
#[test]
fn the_stream_layer_serves_many_messages() {
    use mio::machine::{Loop, LoopConfig, Machine};
    use mio::stream::Stream;

    let (server, client) = mio::unix::UnixStream::pair().unwrap();
    let mut machines = Loop::<Stream<Echo>>::new(&LoopConfig::new()).unwrap();
    machines.add_machine_with(|scope| Stream::create(server, scope)).unwrap();
    let mut machines = machines.instantiate(());

    let mut small = [0u8; 5];
    let mut large = vec![0u8; 1 << 20];
    for (i, b) in large.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    for round in 0..6u8 {
        let message: &[u8] = if round == 5 { &large } else { &[b'a' + round; 5] };
        let received = if round == 5 { &mut large.clone()[..] } else { &mut small[..] };
        let (mut sent, mut got) = (0, 0);
        let deadline = Instant::now() + LONG;
        while got < message.len() {
            assert!(Instant::now() < deadline, "round {round}: {got} of {} bytes echoed", message.len());
            if sent < message.len() {
                match (&client).write(&message[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            machines.run_once(Some(Duration::from_millis(10))).unwrap();
            match (&client).read(&mut received[got..]) {
                Ok(0) => panic!("the server closed"),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert!(received == message, "round {round}: echo differs");
    }
}
