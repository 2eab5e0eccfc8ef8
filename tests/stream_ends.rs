//! Every way a stream connection can end gives back what it held: after
//! each, the loop's free buffers, free queue entries, machine count, pending
//! timeouts and this process's open fds are where they started.
//!
//! The server is `Accept<_, Stream<P>>` on loopback TCP with a manual clock.
//! `P` looks its behaviour up by the client's port in the context, so a test
//! decides how each connection ends. Tests run one at a time (they count the
//! process's fds).

mod util;

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use mio::machine::{Accept, Listener, Loop, LoopConfig, LoopInstance, MachineError, Notifier, Scope, ACCEPT_BACKOFF};
use mio::stream::{Bytes, Intent, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use mio::timer::ManualClock;
use mio::{EventSet, Evented, Poll, PollOpt, Token};
use util::{localhost, open_fds, Watchdog};

/// How a connection behaves, chosen by the test per client port.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Mode {
    /// Reads a byte, leaves the rest unread and ends (`done`).
    DoneWithInput,
    /// Reads a byte, leaves the rest unread and ends with `Intent::error`.
    ErrorWithInput,
    /// Waits for a line with a deadline; when it passes, ends.
    Deadline,
    /// Waits for lines; the peer's end of stream or reset ends it.
    Line,
    /// Queues a value larger than the socket buffers and bytes behind it,
    /// then waits for the flush; a wake-up pushes more and ends (`done` with
    /// output unsent).
    Flood,
    /// Reads a byte, queues several large values and ends at once.
    QueueAndDone,
    /// `create` returns `Intent::error`.
    ErrorAtCreate,
    /// `create` returns `Intent::done`.
    DoneAtCreate,
    /// `create` waits for a line with a deadline (a second later).
    DeadlineAtCreate,
    /// Waits for one byte without a deadline, then for a line with one.
    DeadlineLater,
}

/// What a connection saw, by client port.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Seen {
    Created,
    Read,
    Timeout,
    Wakeup,
    EndOfStream,
    Error(ErrorKind),
}

#[derive(Default)]
struct Ctx {
    modes: HashMap<u16, Mode>,
    notifiers: HashMap<u16, Notifier>,
    log: Vec<(u16, Seen)>,
    /// What the loop's error hook got.
    hook: Vec<MachineError>,
}

impl Ctx {
    fn saw(&self, port: u16, seen: Seen) -> bool {
        self.log.contains(&(port, seen))
    }

    fn hook_saw(&self, what: &str) -> bool {
        self.hook.iter().any(|e| e.what() == what)
    }
}

const PROTOCOL_ERROR: MachineError = MachineError::new(ErrorKind::InvalidData, "test protocol error");
const TIMER_FULL: &str = "timer capacity exhausted";
const CLOSED_AT_CREATE: &str = "protocol closed at create";
const SECOND: Duration = Duration::from_secs(1);

/// A value larger than loopback's socket buffers (zero pages, never
/// touched, shared by every connection that queues it).
fn big() -> Bytes {
    static BIG: OnceLock<Bytes> = OnceLock::new();
    BIG.get_or_init(|| Bytes::from(vec![0u8; 32 << 20])).clone()
}

struct P {
    mode: Mode,
    port: u16,
}

type T<'a> = Transport<'a, TcpStream>;

impl P {
    fn line(self, scope: &mut Scope<'_, Ctx>, deadline: bool) -> Intent<P> {
        let intent = Intent::of(self);
        let intent = if deadline { intent.deadline(scope.now() + SECOND) } else { intent };
        intent.expect_delimiter(b"\n", 1024)
    }
}

impl Protocol for P {
    type Context = Ctx;
    type Socket = TcpStream;

    fn create(t: &mut T<'_>, scope: &mut Scope<'_, Ctx>) -> Intent<P> {
        let port = t.socket().peer_addr().expect("peer address").port();
        let mode = *scope.modes.get(&port).expect("a mode for every client");
        scope.log.push((port, Seen::Created));
        let p = P { mode, port };
        match mode {
            Mode::ErrorAtCreate => Intent::error(PROTOCOL_ERROR),
            Mode::DoneAtCreate => Intent::done(),
            Mode::Deadline | Mode::DeadlineAtCreate => p.line(scope, true),
            Mode::Line => p.line(scope, false),
            Mode::Flood => {
                let notifier = scope.notifier();
                scope.notifiers.insert(port, notifier);
                t.output().queue(big()).expect("room to queue");
                t.output().push(b"tail");
                Intent::of(p).expect_flush()
            }
            Mode::DoneWithInput | Mode::ErrorWithInput | Mode::QueueAndDone | Mode::DeadlineLater => {
                Intent::of(p).expect_bytes(1)
            }
        }
    }

    fn bytes_read(self, t: &mut T<'_>, end: usize, scope: &mut Scope<'_, Ctx>) -> Intent<P> {
        scope.log.push((self.port, Seen::Read));
        match self.mode {
            Mode::DoneWithInput => Intent::done(),
            Mode::ErrorWithInput => Intent::error(PROTOCOL_ERROR),
            Mode::QueueAndDone => {
                while t.output().queue(big()).is_ok() {}
                t.output().push(b"tail");
                Intent::done()
            }
            Mode::DeadlineLater => {
                t.input().consume(1);
                self.line(scope, true)
            }
            Mode::Deadline | Mode::DeadlineAtCreate => {
                t.input().consume(end);
                self.line(scope, true)
            }
            _ => {
                t.input().consume(end);
                self.line(scope, false)
            }
        }
    }

    fn bytes_flushed(self, _: &mut T<'_>, _: &mut Scope<'_, Ctx>) -> Intent<P> {
        Intent::of(self).expect_bytes(1)
    }

    fn timeout(self, _: &mut T<'_>, scope: &mut Scope<'_, Ctx>) -> Intent<P> {
        scope.log.push((self.port, Seen::Timeout));
        Intent::done()
    }

    fn wakeup(self, t: &mut T<'_>, scope: &mut Scope<'_, Ctx>) -> Intent<P> {
        scope.log.push((self.port, Seen::Wakeup));
        t.output().push(b"more");
        Intent::done()
    }

    fn end_of_stream(self, _: &mut T<'_>, scope: &mut Scope<'_, Ctx>) -> Intent<P> {
        scope.log.push((self.port, Seen::EndOfStream));
        Intent::done()
    }

    fn error(self, error: MachineError, scope: &mut Scope<'_, Ctx>) {
        scope.log.push((self.port, Seen::Error(error.kind())));
    }
}

/// A TCP listener that counts the connections it accepted (including those
/// the loop then refuses for lack of a machine slot).
struct Counted {
    listener: TcpListener,
    accepted: Rc<Cell<usize>>,
}

impl Evented for Counted {
    fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.listener.register(poll, token, interest, opts)
    }

    fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.listener.reregister(poll, token, interest, opts)
    }

    fn deregister(&self, poll: &Poll) -> io::Result<()> {
        self.listener.deregister(poll)
    }
}

impl Listener for Counted {
    type Stream = TcpStream;

    fn accept_stream(&self) -> io::Result<TcpStream> {
        let stream = self.listener.accept_stream()?;
        self.accepted.set(self.accepted.get() + 1);
        Ok(stream)
    }
}

type Server = Accept<Counted, Stream<P>>;

/// What must come back after every end.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Counts {
    buffers_free: usize,
    queued_free: usize,
    machines: usize,
    timeouts: usize,
    fds: usize,
}

struct Rig {
    lp: LoopInstance<Server>,
    clock: ManualClock,
    addr: SocketAddr,
    accepted: Rc<Cell<usize>>,
    start: Counts,
}

/// Sizes of a test loop.
struct Sizes {
    machines: usize,
    timers: usize,
}

const ROOMY: Sizes = Sizes { machines: 64, timers: 64 };

impl Rig {
    fn new(sizes: Sizes) -> Rig {
        let clock = ManualClock::new();
        let mut config = LoopConfig::new();
        config.machines(sizes.machines).buffers(4096, 64).queued_values(8, 256);
        config.event_loop().clock(clock.clone()).timer_capacity(sizes.timers);
        let mut lp = Loop::<Server>::new(&config).unwrap();
        lp.on_error(|ctx, _, e| ctx.hook.push(*e));
        let mut lp = lp.instantiate(Ctx::default());
        let accepted = Rc::new(Cell::new(0));
        let addr = listen(&mut lp, &accepted);
        let mut rig = Rig { lp, clock, addr, accepted, start: Counts::default_zero() };
        rig.start = rig.counts();
        assert_eq!(rig.start.buffers_free, rig.lp.buffers_total());
        assert_eq!(rig.start.queued_free, rig.lp.queued_values_total());
        assert_eq!((rig.start.machines, rig.start.timeouts), (1, 0));
        rig
    }

    fn counts(&self) -> Counts {
        Counts {
            buffers_free: self.lp.buffers_free(),
            queued_free: self.lp.queued_values_free(),
            machines: self.lp.machine_count(),
            timeouts: self.lp.timeouts_pending(),
            fds: open_fds(),
        }
    }

    /// Connects a client whose connection behaves as `mode`.
    fn connect(&mut self, mode: Mode) -> Client {
        let stream = std::net::TcpStream::connect(self.addr).unwrap();
        let port = stream.local_addr().unwrap().port();
        self.lp.context_mut().modes.insert(port, mode);
        Client { stream: TcpStream::from_std(stream).unwrap(), port }
    }

    fn turn(&mut self) {
        self.lp.run_once(Some(Duration::from_millis(1))).unwrap();
    }

    /// Runs turns until `done` holds (bounded).
    fn until(&mut self, what: &str, mut done: impl FnMut(&mut Rig) -> bool) {
        let give_up = Instant::now() + util::DEADLINE;
        while !done(self) {
            assert!(Instant::now() < give_up, "timed out waiting for {what}; log {:?}", self.lp.context().log);
            self.turn();
        }
    }

    /// Runs turns until every count is back where it started, and checks.
    fn back_to_start(&mut self) {
        let start = self.start;
        self.back_to(start);
    }

    fn back_to(&mut self, expected: Counts) {
        let give_up = Instant::now() + util::DEADLINE;
        while self.counts() != expected && Instant::now() < give_up {
            self.turn();
        }
        assert_eq!(self.counts(), expected, "log {:?}, hook {:?}", self.lp.context().log, self.lp.context().hook);
    }

    fn notify(&self, client: &Client) {
        self.lp.context().notifiers[&client.port].wakeup().unwrap();
    }
}

impl Counts {
    fn default_zero() -> Counts {
        Counts { buffers_free: 0, queued_free: 0, machines: 0, timeouts: 0, fds: 0 }
    }
}

/// Adds a counted listener on a free loopback port; returns its address.
fn listen(lp: &mut LoopInstance<Server>, accepted: &Rc<Cell<usize>>) -> SocketAddr {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let counted = Counted { listener, accepted: accepted.clone() };
    lp.add_machine_with(|scope| Accept::new(counted, scope)).unwrap();
    addr
}

/// A client: a non-blocking std socket and its port.
struct Client {
    stream: TcpStream,
    port: u16,
}

impl Client {
    fn send(&mut self, data: &[u8]) {
        self.stream.write_all(data).unwrap();
    }

    /// Closes with a reset (`SO_LINGER` 0): the server gets `ECONNRESET`.
    fn reset(self) {
        self.stream.set_linger(Some(Duration::ZERO)).unwrap();
    }

    /// Whether the server closed its side: end of stream or a reset.
    fn closed_by_server(&mut self) -> bool {
        let mut buf = [0; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return true,
            }
        }
    }
}

/// Tests count the process's fds: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn done_with_unread_input_gives_its_buffer_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::DoneWithInput);
    client.send(b"hello, never read");
    rig.until("the server's close", |r| client.closed_by_server() && r.lp.machine_count() == 1);
    assert!(rig.lp.context().saw(client.port, Seen::Read));
    drop(client);
    rig.back_to_start();
}

#[test]
fn done_with_unsent_output_gives_its_buffer_and_queue_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let client = rig.connect(Mode::Flood);
    let start = rig.start;
    // The value is still queued and "tail" buffered behind it.
    rig.until("a blocked flood", |r| {
        r.lp.queued_values_free() == start.queued_free - 1 && r.lp.buffers_free() == start.buffers_free - 1
    });
    rig.notify(&client);
    rig.until("the end", |r| r.lp.machine_count() == 1);
    assert!(rig.lp.context().saw(client.port, Seen::Wakeup));
    assert!(rig.lp.context().hook.is_empty());
    drop(client);
    rig.back_to_start();
}

#[test]
fn queued_values_pending_at_the_end_are_given_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::QueueAndDone);
    client.send(b"x");
    rig.until("the end", |r| r.lp.context().saw(client.port, Seen::Read) && r.lp.machine_count() == 1);
    drop(client);
    rig.back_to_start();
}

#[test]
fn a_protocol_error_with_unread_input_gives_its_buffer_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::ErrorWithInput);
    client.send(b"hello, never read");
    rig.until("the server's close", |r| client.closed_by_server() && r.lp.machine_count() == 1);
    assert_eq!(rig.lp.context().hook, [PROTOCOL_ERROR]);
    drop(client);
    rig.back_to_start();
}

#[test]
fn a_deadline_with_buffered_input_gives_its_buffer_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::Deadline);
    client.send(b"half a li");
    let start = rig.start;
    rig.until("the partial line held", |r| r.lp.buffers_free() == start.buffers_free - 1);
    assert_eq!(rig.lp.timeouts_pending(), 1);
    rig.clock.advance(2 * SECOND);
    rig.until("the timeout", |r| r.lp.context().saw(client.port, Seen::Timeout));
    rig.until("the client to see the close", |_| client.closed_by_server());
    drop(client);
    rig.back_to_start();
}

#[test]
fn end_of_stream_mid_frame_gives_its_buffer_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::Line);
    client.send(b"half a li");
    let (start, port) = (rig.start, client.port);
    rig.until("the partial line held", |r| r.lp.buffers_free() == start.buffers_free - 1);
    drop(client);
    rig.until("end of stream", |r| r.lp.context().saw(port, Seen::EndOfStream));
    rig.back_to_start();
}

#[test]
fn a_reset_mid_frame_is_a_read_error_and_gives_its_buffer_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::Line);
    client.send(b"half a li");
    let (start, port) = (rig.start, client.port);
    rig.until("the partial line held", |r| r.lp.buffers_free() == start.buffers_free - 1);
    client.reset();
    rig.until("the read error", |r| r.lp.context().saw(port, Seen::Error(ErrorKind::ConnectionReset)));
    rig.back_to_start();
}

#[test]
fn a_reset_with_output_pending_is_a_write_error_and_gives_everything_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let client = rig.connect(Mode::Flood);
    let (start, port) = (rig.start, client.port);
    rig.until("a blocked flood", |r| r.lp.queued_values_free() == start.queued_free - 1);
    client.reset();
    rig.until("the write error", |r| {
        let log = &r.lp.context().log;
        log.iter().any(|&(p, seen)| p == port && matches!(seen, Seen::Error(_)))
    });
    let kind = rig.lp.context().log.iter().find_map(|&(_, seen)| match seen {
        Seen::Error(kind) => Some(kind),
        _ => None,
    });
    assert!(matches!(kind, Some(ErrorKind::ConnectionReset | ErrorKind::BrokenPipe)), "{kind:?}");
    rig.back_to_start();
}

#[test]
fn an_error_at_create_gives_everything_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::ErrorAtCreate);
    client.send(b"sent before the accept");
    rig.until("the server's close", |r| client.closed_by_server() && r.accepted.get() == 1);
    assert!(rig.lp.context().saw(client.port, Seen::Created));
    assert_eq!(rig.lp.context().hook, [PROTOCOL_ERROR]);
    drop(client);
    rig.back_to_start();
}

#[test]
fn done_at_create_gives_everything_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let mut client = rig.connect(Mode::DoneAtCreate);
    rig.until("the server's close", |r| client.closed_by_server() && r.accepted.get() == 1);
    assert!(rig.lp.context().saw(client.port, Seen::Created));
    assert!(rig.lp.context().hook_saw(CLOSED_AT_CREATE), "{:?}", rig.lp.context().hook);
    drop(client);
    rig.back_to_start();
}

#[test]
fn a_spawn_refused_by_a_full_slab_closes_the_connection_and_backs_off() {
    let _serial = serial();
    // The listener and one connection.
    let mut rig = Rig::new(Sizes { machines: 2, timers: 64 });
    let hog = rig.connect(Mode::Line);
    rig.until("the first connection", |r| r.lp.machine_count() == 2);
    let mut refused = rig.connect(Mode::Line);
    rig.until("the refusal", |r| refused.closed_by_server() && r.accepted.get() == 2);
    assert!(!rig.lp.context().saw(refused.port, Seen::Created));
    assert_eq!(rig.lp.timeouts_pending(), 1, "the listener backs off");
    drop((hog, refused));
    rig.until("the first connection's end", |r| r.lp.machine_count() == 1);
    // The backoff passes; the listener accepts again.
    rig.clock.advance(ACCEPT_BACKOFF);
    let mut third = rig.connect(Mode::DoneWithInput);
    third.send(b"xy");
    rig.until("the third connection served", |r| third.closed_by_server() && r.accepted.get() == 3);
    assert!(rig.lp.context().saw(third.port, Seen::Read));
    drop(third);
    rig.back_to_start();
}

#[test]
fn a_full_timer_at_create_ends_the_connection_and_gives_everything_back() {
    let _serial = serial();
    let mut rig = Rig::new(Sizes { machines: 64, timers: 1 });
    let hog = rig.connect(Mode::DeadlineAtCreate);
    rig.until("the first connection", |r| r.lp.machine_count() == 2 && r.lp.timeouts_pending() == 1);
    // Input read at create is held when the deadline cannot be armed.
    let mut second = rig.connect(Mode::DeadlineAtCreate);
    second.send(b"half a li");
    rig.until("the second connection's end", |r| second.closed_by_server() && r.accepted.get() == 2);
    assert!(rig.lp.context().saw(second.port, Seen::Created));
    assert_eq!(rig.lp.context().hook.iter().map(|e| e.what()).collect::<Vec<_>>(), [TIMER_FULL]);
    drop((hog, second));
    rig.back_to_start();
}

#[test]
fn a_full_timer_later_ends_the_connection_and_gives_its_buffer_back() {
    let _serial = serial();
    let mut rig = Rig::new(Sizes { machines: 64, timers: 1 });
    let hog = rig.connect(Mode::DeadlineAtCreate);
    rig.until("the first connection", |r| r.lp.machine_count() == 2 && r.lp.timeouts_pending() == 1);
    let mut second = rig.connect(Mode::DeadlineLater);
    rig.until("the second connection", |r| r.lp.machine_count() == 3);
    // The first byte read, the rest held while a deadline cannot be armed.
    second.send(b"xhalf a li");
    rig.until("the second connection's end", |r| second.closed_by_server() && r.lp.machine_count() == 2);
    assert!(rig.lp.context().saw(second.port, Seen::Read));
    assert_eq!(rig.lp.context().hook.iter().map(|e| e.what()).collect::<Vec<_>>(), [TIMER_FULL]);
    drop((hog, second));
    rig.back_to_start();
}

#[test]
fn closing_the_loop_ends_every_connection_and_gives_everything_back() {
    let _serial = serial();
    let mut rig = Rig::new(ROOMY);
    let start = rig.start;
    let flood = rig.connect(Mode::Flood);
    let mut deadline = rig.connect(Mode::Deadline);
    deadline.send(b"half a li");
    let mut line = rig.connect(Mode::Line);
    line.send(b"half");
    let idle = rig.connect(Mode::Line);
    rig.until("four connections in flight", |r| {
        r.lp.machine_count() == 5
            && r.lp.queued_values_free() == start.queued_free - 1
            && r.lp.buffers_free() == start.buffers_free - 3
    });
    rig.lp.close();
    // The listener is gone too: no machine, one fd less.
    let expected = Counts { machines: 0, fds: start.fds - 1, ..start };
    let mut clients = [flood, deadline, line, idle];
    for client in &mut clients {
        rig.until("every client to see the close", |_| client.closed_by_server());
    }
    drop(clients);
    rig.back_to(expected);
    // The loop takes machines again.
    let addr = listen(&mut rig.lp, &rig.accepted);
    rig.addr = addr;
    let mut client = rig.connect(Mode::DoneWithInput);
    client.send(b"ab");
    rig.until("a new connection served", |r| client.closed_by_server() && r.lp.context().saw(client.port, Seen::Read));
    drop(client);
    rig.back_to(Counts { machines: 1, ..start });
}

/// What a client of the mixed run does.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Then {
    /// Nothing more: the server ends the connection.
    Wait,
    /// Closes (end of stream mid-frame).
    Close,
    /// Resets.
    Reset,
    /// Wakes its connection once it exists (a flood ends with output unsent).
    Wake,
}

/// The mixed run's kinds of connection: the mode, what the client sends at
/// once, and what it does next.
const KINDS: [(Mode, &[u8], Then); 12] = [
    (Mode::DoneWithInput, b"hello", Then::Wait),
    (Mode::ErrorWithInput, b"hello", Then::Wait),
    (Mode::QueueAndDone, b"x", Then::Wait),
    (Mode::Line, b"half", Then::Close),
    (Mode::Line, b"half", Then::Reset),
    (Mode::Flood, b"", Then::Wake),
    (Mode::Flood, b"", Then::Reset),
    (Mode::ErrorAtCreate, b"early", Then::Wait),
    (Mode::DoneAtCreate, b"", Then::Wait),
    // These take a timer: only in waves that fit the slab (see below).
    (Mode::Deadline, b"half", Then::Wait),
    (Mode::DeadlineAtCreate, b"half", Then::Wait),
    (Mode::DeadlineLater, b"xhalf", Then::Wait),
];

/// Kinds at `KINDS[..UNTIMED]` never set a deadline.
const UNTIMED: usize = 9;

/// Marsaglia's xorshift64: a fixed seed gives the same run every time.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Room for the listener and this many connections.
const SLOTS: usize = 24;
/// Fewer timers than connections, so deadlines sometimes cannot be armed.
const TIMERS: usize = 4;
const CONNECTIONS: usize = 10_000;

/// 10,000 connections ending in a seeded random mix of every way above,
/// against one loop, in waves. A wave either fits the slab and mixes in
/// deadlines (which then sometimes find the timer full), or overflows the
/// slab (refused spawns) with connections that take no timer, so the
/// listener's backoff always has one. Every 25th wave is cut short by
/// closing the loop. After every wave, and at the end, every count is back
/// where it started.
#[test]
fn ten_thousand_connections_ending_every_way_give_everything_back() {
    let _serial = serial();
    let _watchdog = Watchdog::new("the mixed run", Duration::from_secs(120));
    let mut rig = Rig::new(Sizes { machines: 1 + SLOTS, timers: TIMERS });
    let start = rig.start;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut connected, mut waves, mut closes) = (0, 0, 0);
    while connected < CONNECTIONS {
        waves += 1;
        let overflow = waves % 3 == 0;
        let n = if overflow { SLOTS + 1 + rng.below(16) } else { 1 + rng.below(SLOTS) };
        let n = n.min(CONNECTIONS - connected);
        let kinds = if overflow { UNTIMED } else { KINDS.len() };
        let mut clients: Vec<(Option<Client>, Then, bool)> = (0..n)
            .map(|_| {
                let (mode, early, then) = KINDS[rng.below(kinds)];
                let mut client = rig.connect(mode);
                if !early.is_empty() {
                    client.send(early);
                }
                (Some(client), then, false)
            })
            .collect();
        connected += n;
        let close = waves % 25 == 0;
        let accepted_before = rig.accepted.get();
        let give_up = Instant::now() + util::DEADLINE;
        for turn in 0.. {
            rig.turn();
            rig.clock.advance(Duration::from_millis(100));
            for (client, then, done) in &mut clients {
                match (*then, *done, client.as_ref()) {
                    (Then::Close, false, Some(_)) if turn == 1 => drop(client.take()),
                    (Then::Reset, false, Some(_)) if turn == 1 => client.take().unwrap().reset(),
                    (Then::Wake, false, Some(c)) => {
                        if let Some(notifier) = rig.lp.context().notifiers.get(&c.port) {
                            notifier.wakeup().unwrap();
                            *done = true;
                        }
                    }
                    _ => {}
                }
            }
            if close && turn == 2 {
                rig.lp.close();
                closes += 1;
                drop(clients);
                rig.back_to(Counts { machines: 0, fds: start.fds - 1, ..start });
                rig.addr = listen(&mut rig.lp, &rig.accepted);
                break;
            }
            let all_accepted = rig.accepted.get() == accepted_before + n;
            if all_accepted && rig.lp.machine_count() == 1 && rig.lp.timeouts_pending() == 0 {
                drop(clients);
                break;
            }
            assert!(Instant::now() < give_up, "wave {waves} of {n} connections did not end");
        }
        rig.lp.context_mut().notifiers.clear();
        rig.back_to_start();
    }
    let ctx = rig.lp.context();
    let created = ctx.log.iter().filter(|(_, seen)| *seen == Seen::Created).count();
    let seen = |what: Seen| ctx.log.iter().any(|&(_, s)| s == what);
    // Every way happened.
    assert!(created < rig.accepted.get(), "no spawn was refused");
    assert!(ctx.hook_saw(TIMER_FULL) && ctx.hook_saw(CLOSED_AT_CREATE) && ctx.hook.contains(&PROTOCOL_ERROR));
    assert!(seen(Seen::Timeout) && seen(Seen::Wakeup) && seen(Seen::EndOfStream));
    assert!(seen(Seen::Error(ErrorKind::ConnectionReset)));
    assert!(closes > 0);
    let accepted = rig.accepted.get();
    println!("{connected} connections in {waves} waves: {accepted} accepted, {created} created, {closes} loop closes");
}
