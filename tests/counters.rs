//! `Counters`: each count of a loop driven turn by turn with `run_once`,
//! snapshots from another thread, and per-state counts of a
//! `#[machine(protocol)]` that stay right however its connections end.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream as StdTcpStream;
use std::time::Duration;

use mio::counters::{Snapshot, FAILED_KINDS, OTHER_KINDS};
use mio::machine::{Accept, Loop, LoopConfig, LoopInstance, Machine, MachineError, Scope};
use mio::stream::{Event, Intent, Next, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use mio::timer::ManualClock;
use mio::unix::UnixStream;
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};

const TURN: Duration = Duration::from_millis(20);

// ---- the event loop's own counts ----------------------------------------

#[derive(Default)]
struct Tally {
    ready: u64,
    notified: u64,
    fired: u64,
}

impl Handler for Tally {
    type Timeout = ();
    type Message = u32;
    fn ready(&mut self, _: &mut EventLoop<Self>, _: Token, _: EventSet) {
        self.ready += 1;
    }
    fn notify(&mut self, _: &mut EventLoop<Self>, _: u32) {
        self.notified += 1;
    }
    fn timeout(&mut self, _: &mut EventLoop<Self>, _: ()) {
        self.fired += 1;
    }
}

#[test]
fn event_loop_counts_turns_events_messages_and_timers() {
    let mut event_loop = EventLoop::<Tally>::new().unwrap();
    let mut tally = Tally::default();
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    event_loop.register(&ours, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();

    theirs.write_all(b"x").unwrap();
    event_loop.run_once(&mut tally, Some(TURN)).unwrap();
    assert_eq!(tally.ready, 1);
    let c = event_loop.counters();
    assert_eq!((c.turns(), c.events(), c.messages()), (1, 1, 0));

    let tx = event_loop.channel();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    event_loop.run_once(&mut tally, Some(TURN)).unwrap();
    assert_eq!(tally.notified, 3);
    let c = event_loop.counters();
    assert_eq!((c.turns(), c.events(), c.messages(), c.waker_writes()), (2, 1, 3, 0), "the loop was awake");

    let soon = event_loop.timeout((), Duration::ZERO).unwrap();
    let later = event_loop.timeout((), Duration::from_secs(60)).unwrap();
    assert!(event_loop.clear_timeout(later));
    assert!(!event_loop.clear_timeout(later), "a second clear cancels nothing");
    util::run_until(&mut event_loop, &mut tally, 100, |t| t.fired == 1);
    assert!(!event_loop.clear_timeout(soon), "fired already");
    let c = event_loop.counters();
    assert_eq!((c.timers_armed(), c.timers_fired(), c.timers_cancelled()), (2, 1, 1));
    assert_eq!(c.turns(), event_loop.turns());
    // The machine layer's counts stay zero on a plain event loop.
    assert_eq!((c.machines_created(), c.accepts(), c.bytes_read(), c.buffers_total()), (0, 0, 0, 0));
}

#[test]
fn waker_writes_count_the_senders_wake_ups() {
    let mut event_loop = EventLoop::<Tally>::new().unwrap();
    let mut tally = Tally::default();
    let tx = event_loop.channel();
    let sender = std::thread::spawn(move || {
        // The loop sleeps in its poll by now (or soon: the handshake makes
        // a send that finds it awake write nothing, and it then finds the
        // message without sleeping).
        std::thread::sleep(Duration::from_millis(50));
        tx.send(7).unwrap();
    });
    util::run_until(&mut event_loop, &mut tally, 100, |t| t.notified == 1);
    sender.join().unwrap();
    let c = event_loop.counters();
    assert_eq!(c.waker_writes(), event_loop.channel_wakeups());
    assert!(c.waker_writes() <= 1);
    assert_eq!(c.messages(), 1);
}

// ---- the machine layer's counts -----------------------------------------

/// Echoes lines; `err <kind>` ends the connection with an error of that
/// kind.
struct Lines;

impl Protocol for Lines {
    type Context = ();
    type Socket = TcpStream;
    fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Lines).expect_delimiter(b"\n", 1024)
    }
    fn bytes_read(self, t: &mut Transport<'_, TcpStream>, end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let (input, output) = t.buffers();
        let line = &input.data()[..end];
        if line == b"err data\n" {
            return Intent::error(MachineError::new(ErrorKind::InvalidData, "bad line"));
        }
        if line == b"err odd\n" {
            return Intent::error(MachineError::new(ErrorKind::NotFound, "an odd kind"));
        }
        output.extend(line).unwrap();
        input.consume(end);
        Intent::of(Lines).expect_delimiter(b"\n", 1024)
    }
    fn bytes_flushed(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Lines).expect_delimiter(b"\n", 1024)
    }
    fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}

type Server = Accept<TcpListener, Stream<Lines>>;

fn server() -> (LoopInstance<Server>, std::net::SocketAddr) {
    let mut config = LoopConfig::new();
    config.machines(16).buffers(4096, 8);
    let mut lp = Loop::<Server>::new(&config).unwrap().instantiate(());
    let listener = TcpListener::bind(util::localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    lp.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
    (lp, addr)
}

fn turn_until<M: Machine>(lp: &mut LoopInstance<M>, what: &str, done: impl Fn(&Snapshot) -> bool) {
    for _ in 0..500 {
        if done(&lp.counters().snapshot()) {
            return;
        }
        lp.run_once(Some(TURN)).unwrap();
    }
    panic!("not reached: {what}; counters:\n{}", lp.counters().snapshot());
}

#[test]
fn machine_loop_counts_accepts_machines_bytes_buffers_and_failures() {
    let (mut lp, addr) = server();
    let c = lp.counters();
    assert_eq!((c.machines_created(), c.machines_alive(), c.buffers_total()), (1, 1, 8), "the listener");

    let mut a = StdTcpStream::connect(addr).unwrap();
    a.write_all(b"hello\n").unwrap();
    turn_until(&mut lp, "the echo", |s| s.bytes_written == 6);
    let mut echo = [0; 6];
    a.read_exact(&mut echo).unwrap();
    let c = lp.counters();
    assert_eq!((c.accepts(), c.machines_created(), c.machines_alive()), (1, 2, 2));
    assert_eq!((c.bytes_read(), c.bytes_written()), (6, 6));
    assert_eq!(c.buffers_in_use(), 0, "an idle connection holds no buffer");

    // A partial line holds the input buffer between turns.
    a.write_all(b"part").unwrap();
    turn_until(&mut lp, "the partial line", |s| s.bytes_read == 10);
    lp.run_once(Some(Duration::ZERO)).unwrap();
    assert_eq!(lp.counters().buffers_in_use(), 1);
    drop(a);
    turn_until(&mut lp, "the close", |s| s.machines_ended == 1);
    let c = lp.counters();
    assert_eq!((c.machines_alive(), c.machines_failed(), c.buffers_in_use()), (1, 0, 0));

    // Errors by kind. A line already waiting when the connection is
    // accepted fails its `create`: it never enters the table.
    let mut b = StdTcpStream::connect(addr).unwrap();
    b.write_all(b"err data\n").unwrap();
    turn_until(&mut lp, "the error at create", |s| s.machines_failed() == 1);
    let c = lp.counters();
    assert_eq!((c.accepts(), c.machines_created(), c.machines_ended(), c.machines_alive()), (2, 3, 2, 1));
    // One that fails later ends in the table; its kind is not in the table.
    let mut b = StdTcpStream::connect(addr).unwrap();
    turn_until(&mut lp, "the accept", |s| s.machines_created == 4);
    b.write_all(b"err odd\n").unwrap();
    turn_until(&mut lp, "the error", |s| s.machines_failed() == 2);
    let c = lp.counters();
    assert_eq!((c.accepts(), c.machines_created(), c.machines_ended(), c.machines_alive()), (3, 4, 3, 1));
    assert_eq!(c.machines_failed_with(ErrorKind::InvalidData), 1);
    assert_eq!(c.machines_failed_with(ErrorKind::NotFound), 1, "counted with the other kinds");
    assert_eq!(c.machines_failed_with(ErrorKind::BrokenPipe), 0);
    let s = c.snapshot();
    assert!(!FAILED_KINDS.contains(&ErrorKind::NotFound));
    assert_eq!(s.machines_failed_with(FAILED_KINDS[OTHER_KINDS - 1]), 0);
    let text = s.to_string();
    assert!(text.contains("machines_failed.InvalidData: 1\n"), "{text}");
    assert!(text.contains("machines_failed.other_kinds: 1\n"), "{text}");

    lp.close();
    let c = lp.counters();
    assert_eq!((c.machines_alive(), c.machines_ended()), (0, 4), "close ends the listener");
}

#[test]
fn snapshots_from_another_thread_see_the_loop_count() {
    let (mut lp, addr) = server();
    let handle = lp.counters_handle();
    let (tx, rx) = std::sync::mpsc::channel::<Snapshot>();
    let watcher = std::thread::spawn(move || {
        // Read while the loop runs: each count only grows.
        let mut last = handle.snapshot();
        for _ in 0..200 {
            let now = handle.snapshot();
            assert!(now.turns >= last.turns && now.bytes_read >= last.bytes_read);
            assert!(now.machines_alive() <= now.machines_created);
            last = now;
            std::thread::sleep(Duration::from_millis(1));
        }
        tx.send(handle.snapshot()).unwrap();
    });
    let mut clients: Vec<StdTcpStream> = (0..4).map(|_| StdTcpStream::connect(addr).unwrap()).collect();
    for c in &mut clients {
        c.write_all(b"ping\n").unwrap();
    }
    turn_until(&mut lp, "the echoes", |s| s.bytes_written == 20);
    let seen = loop {
        lp.run_once(Some(Duration::from_millis(1))).unwrap();
        if let Ok(seen) = rx.try_recv() {
            break seen;
        }
    };
    watcher.join().unwrap();
    assert_eq!((seen.accepts, seen.machines_created, seen.bytes_read, seen.bytes_written), (4, 5, 20, 20));
    assert!(seen.turns <= lp.counters().turns());
    // The handle outlives the loop, with its last counts.
    let handle = lp.counters_handle();
    let turns = lp.turns();
    drop(lp);
    assert_eq!(handle.snapshot().turns, turns);
}

// ---- per-state counts of a protocol --------------------------------------

/// The test's context: the deadline a `Chat` state sets, if any.
struct Rules {
    deadline: Option<Duration>,
    /// The IO errors connections met.
    errors: Vec<ErrorKind>,
}

/// `hi` moves a connection from `Hello` to `Chat`; in `Chat`, `bye` ends
/// it in `Bye`, `err` fails it, `ping` is answered `pong`, anything else
/// stays; end of stream, deadlines and IO errors close it.
#[mio::machine(protocol)]
#[derive(Debug)]
enum Talk {
    #[state(start, to(Chat))]
    Hello,
    #[state(to(Bye))]
    Chat,
    #[state(done)]
    Bye,
}

use talk::{Bye, Chat, Hello};

type T<'a> = Transport<'a, UnixStream>;
type S<'a> = Scope<'a, Rules>;

fn line(t: &mut T<'_>, end: usize) -> Vec<u8> {
    let line = t.input().data()[..end].to_vec();
    t.input().consume(end);
    line
}

impl talk::Handlers for Talk {
    type Context = Rules;
    type Socket = UnixStream;

    fn create(_: &mut T<'_>, _: &mut S<'_>) -> Next<Hello> {
        Next::of(Hello).expect_delimiter(b"\n", 64)
    }

    fn on_hello(_: Hello, event: Event, t: &mut T<'_>, scope: &mut S<'_>) -> Next<talk::AfterHello> {
        match event {
            Event::BytesRead(end) if line(t, end) == b"hi\n" => match scope.deadline {
                Some(d) => Next::of(Chat).deadline(scope.now() + d).expect_delimiter(b"\n", 64),
                None => Next::of(Chat).expect_delimiter(b"\n", 64),
            },
            Event::BytesRead(_) => Next::of(Hello).expect_delimiter(b"\n", 64),
            _ => Next::done(),
        }
    }

    fn on_chat(_: Chat, event: Event, t: &mut T<'_>, _: &mut S<'_>) -> Next<talk::AfterChat> {
        match event {
            Event::BytesRead(end) => match &line(t, end)[..] {
                b"bye\n" => Next::finish(Bye),
                b"err\n" => Next::error(MachineError::new(ErrorKind::InvalidData, "err")),
                b"ping\n" => {
                    t.output().push(b"pong\n");
                    Next::of(Chat).unchanged()
                }
                _ => Next::of(Chat).unchanged(),
            },
            _ => Next::done(),
        }
    }

    fn error(_: Self, error: MachineError, scope: &mut S<'_>) {
        scope.errors.push(error.kind());
    }
}

struct Rig {
    lp: LoopInstance<Stream<Talk>>,
    clock: ManualClock,
}

impl Rig {
    fn new(deadline: Option<Duration>, timers: usize) -> Rig {
        let clock = ManualClock::new();
        let mut config = LoopConfig::new();
        config.machines(16).buffers(1024, 16).event_loop().clock(clock.clone()).timer_capacity(timers);
        let lp = Loop::<Stream<Talk>>::new(&config).unwrap().instantiate(Rules { deadline, errors: Vec::new() });
        Rig { lp, clock }
    }

    /// A new connection; its peer.
    fn connect(&mut self) -> UnixStream {
        let (ours, theirs) = UnixStream::pair().unwrap();
        self.lp.add_machine_with(|s| Stream::create(ours, s)).unwrap();
        theirs
    }

    /// `(Hello, Chat, Bye)` counts.
    fn states(&self) -> (u64, u64, u64) {
        let counts: Vec<u64> = self.lp.counters().states(&talk::STATE_NAMES).unwrap().map(|(_, n)| n).collect();
        (counts[0], counts[1], counts[2])
    }

    /// Turns until the counts are `want` (and a few more, which must not
    /// change them).
    fn expect(&mut self, want: (u64, u64, u64), what: &str) {
        for _ in 0..200 {
            if self.states() == want {
                for _ in 0..3 {
                    self.lp.run_once(Some(Duration::ZERO)).unwrap();
                }
                assert_eq!(self.states(), want, "{what}: counts moved on");
                return;
            }
            self.lp.run_once(Some(Duration::from_millis(5))).unwrap();
        }
        panic!("{what}: counts are {:?}, not {want:?}", self.states());
    }
}

#[test]
fn state_names_are_generated_in_declaration_order() {
    assert_eq!(talk::STATE_NAMES.protocol(), "Talk");
    assert_eq!(talk::STATE_NAMES.names(), ["Hello", "Chat", "Bye"]);
    assert_eq!(Talk::state_names().map(|n| n as *const _), Some(&talk::STATE_NAMES as *const _));
    assert_eq!((Talk::Hello.state_index(), Talk::Chat.state_index()), (0, 1));
}

#[test]
fn state_counts_follow_connections_however_they_end() {
    let mut rig = Rig::new(None, 64);
    assert!(rig.lp.counters().states(&talk::STATE_NAMES).is_none(), "nothing counted yet");
    let [mut bye, mut err, mut eof, mut stays, mut kept, quiet] = std::array::from_fn(|_| rig.connect());
    rig.expect((6, 0, 0), "six created");
    for p in [&mut bye, &mut err, &mut eof, &mut stays, &mut kept] {
        p.write_all(b"hi\n").unwrap();
    }
    rig.expect((1, 5, 0), "five moved on");

    bye.write_all(b"bye\n").unwrap(); // finish in a done state
    rig.expect((1, 4, 0), "ended in Bye");
    err.write_all(b"err\n").unwrap(); // a protocol error
    rig.expect((1, 3, 0), "ended with an error");
    drop(eof); // end of stream in Chat
    rig.expect((1, 2, 0), "the peer closed");
    drop(quiet); // end of stream in Hello
    rig.expect((0, 2, 0), "closed before hi");
    stays.write_all(b"chatting\n").unwrap(); // stays in Chat
    rig.expect((0, 2, 0), "stayed");

    // A read error: a peer that closes with our reply unread resets the
    // connection (ECONNRESET on a Unix stream too).
    let mut reset = rig.connect();
    reset.write_all(b"hi\nping\n").unwrap();
    let mut pong = [0; 5];
    for _ in 0..200 {
        rig.lp.run_once(Some(Duration::from_millis(5))).unwrap();
        if rig.states() == (0, 3, 0) {
            break;
        }
    }
    reset.write_all(b"ping\n").unwrap();
    rig.expect((0, 3, 0), "the second pong is written, unread");
    reset.read_exact(&mut pong).unwrap(); // only the first
    drop(reset);
    rig.expect((0, 2, 0), "the reset");
    assert_eq!(rig.lp.context().errors, [ErrorKind::ConnectionReset]);

    let c = rig.lp.counters();
    assert_eq!((c.machines_alive(), c.machines_failed_with(ErrorKind::InvalidData)), (2, 1));
    assert_eq!(c.machines_failed(), 1, "an IO error closes without the error hook");
    rig.lp.close(); // the loop drops the rest without running them
    assert_eq!(rig.states(), (0, 0, 0), "the loop closed");
    let s = rig.lp.counters_handle().snapshot();
    let (names, counts) = s.protocols().next().unwrap();
    assert_eq!((names.protocol(), counts), ("Talk", &[0, 0, 0][..]));
    assert!(s.to_string().contains("state.Talk.Chat: 0\n"));
}

#[test]
fn state_counts_drop_connections_that_time_out_or_find_the_timer_full() {
    // Room for one timer: the first connection in Chat takes it; the
    // second cannot arm its deadline and the loop drops it between rounds.
    let mut rig = Rig::new(Some(Duration::from_millis(100)), 1);
    let mut a = rig.connect();
    let mut b = rig.connect();
    rig.expect((2, 0, 0), "two created");
    a.write_all(b"hi\n").unwrap();
    rig.expect((1, 1, 0), "a in Chat, with the timer");
    b.write_all(b"hi\n").unwrap();
    rig.expect((0, 1, 0), "b dropped: timer full");
    let c = rig.lp.counters();
    assert_eq!((c.machines_alive(), c.machines_failed_with(ErrorKind::OutOfMemory)), (1, 1));
    assert_eq!(c.timers_armed(), 1);

    rig.clock.advance(Duration::from_millis(150));
    rig.expect((0, 0, 0), "a timed out");
    let c = rig.lp.counters();
    assert_eq!((c.machines_alive(), c.timers_fired()), (0, 1));
}
