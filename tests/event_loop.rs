//! `EventLoop` behaviour: callback order, `shutdown` from a callback,
//! `interrupted` on EINTR, pipes through the loop.

mod util;

use std::io::{Read, Write};
use std::sync::{mpsc, Arc, Barrier, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use mio::unix::{pipe, PipeReader, PipeWriter, Signals};
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};
use nix::sys::pthread::pthread_kill;
use nix::sys::signal::{raise, Signal};
use util::{run_until, Watchdog};

/// Shuts the loop down from the first `ready`; counts callbacks.
struct Stopper {
    ready: usize,
    ticks: usize,
    running_inside: bool,
}

impl Handler for Stopper {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Self>, _token: Token, _events: EventSet) {
        self.ready += 1;
        if self.ready == 1 {
            self.running_inside = event_loop.is_running();
        }
        event_loop.shutdown();
        assert!(!event_loop.is_running());
    }

    fn tick(&mut self, _event_loop: &mut EventLoop<Self>) {
        self.ticks += 1;
    }
}

#[test]
fn shutdown_from_a_callback_stops_run_after_the_turn() {
    let _watchdog = Watchdog::new("shutdown test", Duration::from_secs(30));
    let mut event_loop = EventLoop::new().unwrap();
    let (r1, mut w1) = pipe().unwrap();
    let (r2, mut w2) = pipe().unwrap();
    // Level-triggered and never read: if `run` went on, they would be
    // reported again on the next turn.
    event_loop.register(&r1, Token(1), EventSet::readable(), PollOpt::level()).unwrap();
    event_loop.register(&r2, Token(2), EventSet::readable(), PollOpt::level()).unwrap();
    w1.write_all(b"1").unwrap();
    w2.write_all(b"2").unwrap();
    let mut handler = Stopper { ready: 0, ticks: 0, running_inside: false };
    event_loop.run(&mut handler).unwrap();
    assert!(handler.running_inside);
    assert_eq!(handler.ready, 2, "the rest of the turn is still dispatched");
    assert_eq!(handler.ticks, 1, "run stops after the turn");
    assert!(!event_loop.is_running());
}

/// Moves bytes from a pipe's writer to its reader through the loop.
struct PipeHandler {
    reader: PipeReader,
    writer: Option<PipeWriter>,
    received: Vec<u8>,
    eof: bool,
    hup_seen: bool,
}

impl Handler for PipeHandler {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Self>, token: Token, events: EventSet) {
        match token {
            Token(0) => {
                assert!(events.is_writable());
                let mut writer = self.writer.take().unwrap();
                writer.write_all(b"through the pipe").unwrap();
                event_loop.deregister(&writer).unwrap();
                // Dropping the writer closes it: the reader sees hup.
            }
            Token(1) => {
                self.hup_seen |= events.is_hup();
                let mut buf = [0; 64];
                loop {
                    match self.reader.read(&mut buf) {
                        Ok(0) => {
                            self.eof = true;
                            event_loop.shutdown();
                            break;
                        }
                        Ok(n) => self.received.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) => panic!("read: {e}"),
                    }
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn pipes_through_the_loop() {
    let _watchdog = Watchdog::new("pipe test", Duration::from_secs(30));
    let mut event_loop = EventLoop::new().unwrap();
    let (reader, writer) = pipe().unwrap();
    event_loop.register(&writer, Token(0), EventSet::writable(), PollOpt::edge()).unwrap();
    event_loop.register(&reader, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    let mut handler = PipeHandler { reader, writer: Some(writer), received: Vec::new(), eof: false, hup_seen: false };
    run_until(&mut event_loop, &mut handler, 100, |h| h.eof);
    assert_eq!(handler.received, b"through the pipe");
    assert!(handler.hup_seen);
}

/// Records the callbacks of each turn.
#[derive(Default)]
struct Recorder {
    turns: Vec<Vec<&'static str>>,
    current: Vec<&'static str>,
}

impl Recorder {
    fn seen(&self, what: &str) -> bool {
        self.turns.iter().flatten().any(|w| *w == what)
    }
}

impl Handler for Recorder {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, _: &mut EventLoop<Self>, _: Token, _: EventSet) {
        self.current.push("ready");
    }
    fn notify(&mut self, _: &mut EventLoop<Self>, _: ()) {
        self.current.push("notify");
    }
    fn timeout(&mut self, _: &mut EventLoop<Self>, _: ()) {
        self.current.push("timeout");
    }
    fn tick(&mut self, _: &mut EventLoop<Self>) {
        self.current.push("tick");
        self.turns.push(std::mem::take(&mut self.current));
    }
}

#[test]
fn callbacks_of_a_turn_come_in_order() {
    let mut event_loop = EventLoop::new().unwrap();
    let (reader, mut writer) = pipe().unwrap();
    event_loop.register(&reader, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    writer.write_all(b"x").unwrap();
    event_loop.channel().send(()).unwrap();
    event_loop.timeout((), Duration::ZERO).unwrap();
    let mut handler = Recorder::default();
    run_until(&mut event_loop, &mut handler, 100, |h| h.seen("ready") && h.seen("notify") && h.seen("timeout"));
    let rank = |w: &str| ["ready", "notify", "timeout", "tick"].iter().position(|x| *x == w).unwrap();
    for turn in &handler.turns {
        assert_eq!(turn.last(), Some(&"tick"), "{turn:?}");
        assert!(turn.windows(2).all(|p| rank(p[0]) <= rank(p[1])), "out of order: {turn:?}");
    }
}

#[test]
fn run_once_with_nothing_ready_returns_after_the_timeout() {
    let mut event_loop = EventLoop::new().unwrap();
    let mut handler = Recorder::default();
    let start = Instant::now();
    event_loop.run_once(&mut handler, Some(Duration::from_millis(20))).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(20), "never returns early");
    assert_eq!(handler.turns, vec![vec!["tick"]]);
}

/// Counts `interrupted` and stops the loop on the first one.
struct Interrupted {
    count: usize,
}

impl Handler for Interrupted {
    type Timeout = ();
    type Message = ();

    fn interrupted(&mut self, event_loop: &mut EventLoop<Self>) {
        self.count += 1;
        event_loop.shutdown();
    }
}

/// Serialises the tests that hold a `Signals`: only one may exist per process.
static SIGNALS: Mutex<()> = Mutex::new(());

fn lock_signals() -> MutexGuard<'static, ()> {
    SIGNALS.lock().unwrap_or_else(PoisonError::into_inner)
}

#[test]
fn interrupted_is_called_on_eintr() {
    use std::os::unix::thread::JoinHandleExt;

    let _watchdog = Watchdog::new("interrupted test", Duration::from_secs(30));
    let _only_signals = lock_signals();
    // A SIGUSR1 handler (the one of `Signals`, whose pipe nobody reads), so
    // a blocked `epoll_wait` or `poll` fails with `EINTR`: those two are
    // never restarted, `SA_RESTART` or not (signal(7)). Dropped after the
    // loop thread is joined, so no SIGUSR1 meets the default action.
    let _sigusr1 = Signals::new(&[libc::SIGUSR1]).unwrap();
    let ready = Arc::new(Barrier::new(2));
    let (done_tx, done_rx) = mpsc::channel();
    let (exit_tx, exit_rx) = mpsc::channel::<()>();
    let loop_thread = {
        let ready = Arc::clone(&ready);
        thread::spawn(move || {
            let mut event_loop = EventLoop::new().unwrap();
            let mut handler = Interrupted { count: 0 };
            ready.wait();
            // Blocks in epoll_wait with no timeout until a signal arrives;
            // `interrupted` shuts the loop down, and `run` returns Ok.
            event_loop.run(&mut handler).unwrap();
            done_tx.send(handler.count).unwrap();
            // Stay alive until the signalling thread stopped signalling.
            let _ = exit_rx.recv();
        })
    };
    ready.wait();
    let thread_id = loop_thread.as_pthread_t();
    let started = Instant::now();
    let count = loop {
        // The first signal may land before the loop blocks; send again until
        // the loop reports. Pending signals of one kind coalesce.
        // The loop thread is alive (it waits on `exit_rx` before exiting),
        // so its pthread_t is valid.
        pthread_kill(thread_id, Signal::SIGUSR1).unwrap();
        match done_rx.recv_timeout(Duration::from_millis(10)) {
            Ok(count) => break count,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                assert!(started.elapsed() < util::DEADLINE, "the loop never reported EINTR")
            }
            Err(e) => panic!("loop thread died: {e}"),
        }
    };
    exit_tx.send(()).unwrap();
    loop_thread.join().unwrap();
    assert!(count >= 1);
}

#[test]
fn is_running_is_false_outside_run() {
    let event_loop: EventLoop<()> = EventLoop::new().unwrap();
    assert!(!event_loop.is_running());
}

#[test]
fn signals_arrive_as_readable_events_and_handlers_are_removed_on_drop() {
    let _only_signals = lock_signals();
    let poll = mio::Poll::new().unwrap();
    let mut events = mio::Events::with_capacity(8);
    let signals = Signals::new(&[libc::SIGUSR2]).unwrap();
    assert_eq!(Signals::new(&[libc::SIGUSR2]).unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(Signals::new(&[libc::SIGKILL]).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    poll.register(&signals, mio::Token(3), mio::EventSet::readable(), mio::PollOpt::edge()).unwrap();
    // raise(3) sends SIGUSR2 to this thread, whose handler is ours.
    raise(Signal::SIGUSR2).unwrap();
    poll.poll(&mut events, Some(std::time::Duration::from_secs(5))).unwrap();
    assert_eq!(events.get(0).map(|e| e.token()), Some(mio::Token(3)));
    assert_eq!(signals.receive().unwrap(), Some(libc::SIGUSR2));
    assert_eq!(signals.receive().unwrap(), None);
    drop(signals);
    let again = Signals::new(&[libc::SIGUSR2]).unwrap();
    drop(again);
}
