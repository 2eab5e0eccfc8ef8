//! Outbound connections: `Connect<P>` over TCP and Unix sockets, from
//! `add_machine_with` and spawned by a running machine. Connected before any
//! byte, refused with its kind, the connect deadline on a blackholed
//! address, and every failure gives back its fd, slot and timer.
//!
//! Tests that count this process's fds run one at a time (`serial`).

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use mio::machine::{Created, Loop, LoopConfig, LoopInstance, Machine, MachineError, Response, Scope, SpawnError};
use mio::stream::{Connect, Intent, Outbound, Protocol, Transport, CONNECT_TIMED_OUT};
use mio::tcp::TcpStream;
use mio::timer::ManualClock;
use mio::unix::{EventedFd, UnixStream};
use mio::{EventSet, Events, Poll, PollOpt, Token};
use util::temp_dir::TempDir;
use util::{open_fds, Watchdog};

const TURN: Duration = Duration::from_millis(50);

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the client protocols saw, in order, with the connection's id.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Connected { id: u32, input_was_empty: bool },
    Failed { id: u32, kind: ErrorKind, what: &'static str },
    Line { id: u32, line: Vec<u8> },
    Created,
}

#[derive(Default)]
struct Log {
    seen: Vec<Seen>,
}

/// A client whose server speaks first: reads one line, then closes. Its
/// per-connection data is its id (the seed's protocol value).
#[derive(Debug)]
struct Banner {
    id: u32,
}

macro_rules! banner {
    ($name:ident, $socket:ty) => {
        impl Protocol for $name {
            type Context = Log;
            type Socket = $socket;
            fn create(_: &mut Transport<'_, $socket>, s: &mut Scope<'_, Log>) -> Intent<Self> {
                s.seen.push(Seen::Created);
                Intent::done()
            }
            fn connected(self, t: &mut Transport<'_, $socket>, s: &mut Scope<'_, Log>) -> Intent<Self> {
                s.seen.push(Seen::Connected { id: self.id, input_was_empty: t.input().is_empty() });
                Intent::of(self).expect_delimiter(b"\n", 256)
            }
            fn connect_failed(self, e: MachineError, s: &mut Scope<'_, Log>) {
                s.seen.push(Seen::Failed { id: self.id, kind: e.kind(), what: e.what() });
            }
            fn bytes_read(self, t: &mut Transport<'_, $socket>, end: usize, s: &mut Scope<'_, Log>) -> Intent<Self> {
                s.seen.push(Seen::Line { id: self.id, line: t.input().data()[..end].to_vec() });
                Intent::done()
            }
            fn bytes_flushed(self, _: &mut Transport<'_, $socket>, _: &mut Scope<'_, Log>) -> Intent<Self> {
                Intent::done()
            }
            fn timeout(self, _: &mut Transport<'_, $socket>, _: &mut Scope<'_, Log>) -> Intent<Self> {
                Intent::done()
            }
        }
    };
}

banner!(Banner, TcpStream);

#[derive(Debug)]
struct UnixBanner {
    id: u32,
}
banner!(UnixBanner, UnixStream);

fn instance<M: Machine<Context = Log>>(clock: Option<&ManualClock>) -> LoopInstance<M> {
    let mut config = LoopConfig::new();
    config.machines(16).buffers(4096, 16);
    if let Some(clock) = clock {
        config.event_loop().clock(clock.clone());
    }
    Loop::<M>::new(&config).unwrap().instantiate(Log::default())
}

/// Runs turns until `done` or a bounded number of them.
fn run_until<M: Machine<Context = Log>>(lp: &mut LoopInstance<M>, mut done: impl FnMut(&Log) -> bool) {
    for _ in 0..200 {
        if done(lp.context()) {
            return;
        }
        lp.run_once(Some(TURN)).unwrap();
    }
    assert!(done(lp.context()), "not reached: {:?}", lp.context().seen);
}

fn failed(log: &Log) -> bool {
    log.seen.iter().any(|s| matches!(s, Seen::Failed { .. }))
}

/// A TCP address nothing listens on: a port bound a moment ago and closed.
fn refused_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn a_server_that_speaks_first_finds_the_client_connected_before_any_byte() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut lp = instance::<Connect<Banner>>(None);
    let seed = Outbound::tcp(listener.local_addr().unwrap(), Banner { id: 7 }).unwrap();
    let seed = seed.deadline(lp.now() + Duration::from_secs(5));
    lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    // The server's bytes are there before the client's first turn.
    peer.write_all(b"+OK hello\n").unwrap();
    run_until(&mut lp, |log| log.seen.len() >= 2);
    assert_eq!(
        lp.context().seen,
        [Seen::Connected { id: 7, input_was_empty: true }, Seen::Line { id: 7, line: b"+OK hello\n".to_vec() }]
    );
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
    assert_eq!(lp.buffers_free(), lp.buffers_total());
    // The client closed: the server reads end of stream.
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

#[test]
fn a_refused_connection_is_reported_with_its_kind_and_releases_everything() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let mut lp = instance::<Connect<Banner>>(None);
    let addr = refused_addr();
    let baseline = open_fds();
    for id in 0..20 {
        match Outbound::tcp(addr, Banner { id }) {
            Ok(seed) => {
                let seed = seed.deadline(lp.now() + Duration::from_secs(5));
                lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
                run_until(&mut lp, failed);
                let seen = std::mem::take(&mut lp.context_mut().seen);
                assert_eq!(seen, [Seen::Failed { id, kind: ErrorKind::ConnectionRefused, what: "io error" }]);
            }
            // Loopback may refuse inside `connect` itself: the value comes back.
            Err(e) => {
                assert_eq!((e.protocol.id, e.error.kind()), (id, ErrorKind::ConnectionRefused));
            }
        }
        assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0), "attempt {id}");
    }
    assert_eq!(lp.buffers_free(), lp.buffers_total());
    assert_eq!(open_fds(), baseline);
}

/// A listener with a backlog of 0 whose one queued connection is never
/// accepted: the kernel drops further SYNs, so a connect to it stays in
/// progress (a blackhole on loopback). Returns the listener, its address and
/// the queued connection.
fn blackhole() -> (std::net::TcpListener, SocketAddr, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // Listening again changes the backlog (Linux).
    nix::sys::socket::listen(&listener, nix::sys::socket::Backlog::new(0).unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let filler = std::net::TcpStream::connect(addr).unwrap();
    // The accept queue is full once the listener is readable (the filler's
    // handshake is done); wait for it, boundedly.
    let poll = Poll::new().unwrap();
    let raw = listener.as_raw_fd();
    poll.register(&EventedFd(&raw), Token(0), EventSet::readable(), PollOpt::level()).unwrap();
    let mut events = Events::with_capacity(4);
    poll.poll(&mut events, Some(Duration::from_secs(5))).unwrap();
    assert_eq!(events.len(), 1, "the filler never reached the accept queue");
    (listener, addr, filler)
}

#[test]
fn the_connect_deadline_ends_a_connection_to_a_blackholed_address() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let (_listener, addr, _filler) = blackhole();
    let clock = ManualClock::new();
    let mut lp = instance::<Connect<Banner>>(Some(&clock));
    let baseline = open_fds();
    let seed = Outbound::tcp(addr, Banner { id: 3 }).unwrap();
    let seed = seed.deadline(clock.now() + Duration::from_secs(2));
    lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
    // In progress: no event, no callback, turn after turn (no busy loop).
    for _ in 0..5 {
        lp.run_once(Some(TURN)).unwrap();
    }
    assert_eq!(lp.counters().events(), 0);
    assert!(lp.context().seen.is_empty(), "{:?}", lp.context().seen);
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (1, 1));
    clock.advance(Duration::from_secs(2));
    run_until(&mut lp, failed);
    assert_eq!(lp.context().seen, [Seen::Failed { id: 3, kind: ErrorKind::TimedOut, what: CONNECT_TIMED_OUT.what() }]);
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
    assert_eq!(open_fds(), baseline, "the connecting socket is closed");
}

#[test]
fn unix_clients_connect_or_fail_with_their_kind() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let dir = TempDir::new();
    let path = dir.path("server.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let mut lp = instance::<Connect<UnixBanner>>(None);
    let baseline = open_fds();

    let seed = Outbound::unix(&path, UnixBanner { id: 1 }).unwrap();
    lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"hi\n").unwrap();
    run_until(&mut lp, |log| log.seen.len() >= 2);
    assert_eq!(
        lp.context().seen,
        [Seen::Connected { id: 1, input_was_empty: true }, Seen::Line { id: 1, line: b"hi\n".to_vec() }]
    );
    drop(peer);

    let missing = Outbound::unix(dir.path("missing.sock"), UnixBanner { id: 2 }).unwrap_err();
    assert_eq!((missing.protocol.id, missing.error.kind()), (2, ErrorKind::NotFound));
    drop(listener);
    let refused = Outbound::unix(&path, UnixBanner { id: 3 }).unwrap_err();
    assert_eq!((refused.protocol.id, refused.error.kind()), (3, ErrorKind::ConnectionRefused));
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
    assert_eq!(open_fds(), baseline - 1, "the listener is closed, nothing else is open");
}

/// A machine that spawns clients, like `Accept` spawns connections: on
/// each deadline it dials the next address it was given.
enum Dialer {
    Boss(Vec<SocketAddr>),
    Conn(Connect<Banner>),
}

impl Machine for Dialer {
    type Context = Log;
    type Seed = Outbound<Banner>;

    fn create(seed: Outbound<Banner>, scope: &mut Scope<'_, Log>) -> Created<Self> {
        Connect::create(seed, scope).map(Dialer::Conn)
    }

    fn ready(self, events: EventSet, scope: &mut Scope<'_, Log>) -> Response<Self, Outbound<Banner>> {
        match self {
            Dialer::Boss(_) => Response::unchanged(self),
            Dialer::Conn(c) => c.ready(events, scope).map(Dialer::Conn, |s| s),
        }
    }

    fn spawned(self, scope: &mut Scope<'_, Log>) -> Response<Self, Outbound<Banner>> {
        match self {
            Dialer::Boss(addrs) => Dialer::dial(addrs, scope),
            Dialer::Conn(c) => c.spawned(scope).map(Dialer::Conn, |s| s),
        }
    }

    fn spawn_error(
        self,
        scope: &mut Scope<'_, Log>,
        e: SpawnError<Outbound<Banner>>,
    ) -> Response<Self, Outbound<Banner>> {
        match self {
            Dialer::Boss(_) => panic!("spawn failed: {}", e.kind),
            Dialer::Conn(c) => c.spawn_error(scope, e).map(Dialer::Conn, |s| s),
        }
    }

    fn timeout(self, scope: &mut Scope<'_, Log>) -> Response<Self, Outbound<Banner>> {
        match self {
            Dialer::Boss(addrs) => Dialer::dial(addrs, scope),
            Dialer::Conn(c) => c.timeout(scope).map(Dialer::Conn, |s| s),
        }
    }
}

impl Dialer {
    fn dial(mut addrs: Vec<SocketAddr>, scope: &mut Scope<'_, Log>) -> Response<Self, Outbound<Banner>> {
        let Some(addr) = addrs.pop() else { return Response::done() };
        let id = addrs.len() as u32;
        match Outbound::tcp(addr, Banner { id }) {
            Ok(seed) => Response::spawn(Dialer::Boss(addrs), seed.deadline(scope.now() + Duration::from_secs(5))),
            Err(e) => {
                e.protocol.connect_failed(e.error, scope);
                Dialer::dial(addrs, scope)
            }
        }
    }
}

#[test]
fn a_running_machine_spawns_clients_and_each_hears_how_it_went() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let good = listener.local_addr().unwrap();
    let mut lp = instance::<Dialer>(None);
    let addrs = vec![refused_addr(), good];
    let now = lp.now();
    lp.add_machine_with(|_| Created::keep(Dialer::Boss(addrs)).deadline(now)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut peer = None;
    for _ in 0..200 {
        lp.run_once(Some(TURN)).unwrap();
        if let Ok((p, _)) = listener.accept() {
            peer = Some(p);
            break;
        }
    }
    let mut peer = peer.expect("the spawned client never connected");
    peer.set_nonblocking(false).unwrap();
    peer.write_all(b"x\n").unwrap();
    run_until(&mut lp, |log| log.seen.len() >= 3);
    let seen = &lp.context().seen;
    assert!(seen.contains(&Seen::Connected { id: 1, input_was_empty: true }), "{seen:?}");
    assert!(seen.contains(&Seen::Line { id: 1, line: b"x\n".to_vec() }), "{seen:?}");
    assert!(seen.contains(&Seen::Failed { id: 0, kind: ErrorKind::ConnectionRefused, what: "io error" }), "{seen:?}");
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
}

#[test]
fn a_loop_that_drains_gives_up_connections_in_progress() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let (_listener, addr, _filler) = blackhole();
    let mut lp = instance::<Connect<Banner>>(None);
    let seed = Outbound::tcp(addr, Banner { id: 9 }).unwrap();
    lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
    lp.run_once(Some(Duration::ZERO)).unwrap();
    lp.drain(lp.now() + Duration::from_secs(5));
    run_until(&mut lp, failed);
    assert_eq!(
        lp.context().seen,
        [Seen::Failed { id: 9, kind: ErrorKind::Interrupted, what: "loop drains while connecting" }]
    );
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
}

/// A `#[machine(protocol)]` client: its seed's state carries the request,
/// hears `Event::Connected` first, and a refused connect is told with the
/// state it was seeded in.
#[mio::machine(protocol)]
#[derive(Debug)]
enum Ask {
    #[state(start, to(Answer))]
    Send { request: &'static [u8] },
    #[state(to(Over))]
    Answer,
    #[state(done)]
    Over,
}

type Tcp<'a> = Transport<'a, TcpStream>;

impl ask::Handlers for Ask {
    type Context = Log;
    type Socket = TcpStream;
    const CONNECTED: bool = true;

    fn create(_: &mut Tcp<'_>, s: &mut Scope<'_, Log>) -> mio::stream::Next<ask::Send> {
        s.seen.push(Seen::Created);
        mio::stream::Next::of(ask::Send { request: b"" }).expect_flush()
    }

    fn on_send(
        state: ask::Send,
        event: mio::stream::Event,
        t: &mut Tcp<'_>,
        s: &mut Scope<'_, Log>,
    ) -> mio::stream::Next<ask::AfterSend> {
        match event {
            mio::stream::Event::Connected => {
                s.seen.push(Seen::Connected { id: state.request.len() as u32, input_was_empty: t.input().is_empty() });
                t.output().push(state.request);
                mio::stream::Next::of(ask::Answer).expect_delimiter(b"\n", 64)
            }
            _ => mio::stream::Next::done(),
        }
    }

    fn on_answer(
        _: ask::Answer,
        event: mio::stream::Event,
        t: &mut Tcp<'_>,
        s: &mut Scope<'_, Log>,
    ) -> mio::stream::Next<ask::AfterAnswer> {
        if let mio::stream::Event::BytesRead(end) = event {
            s.seen.push(Seen::Line { id: 0, line: t.input().data()[..end].to_vec() });
        }
        mio::stream::Next::finish(ask::Over)
    }

    fn connect_failed(state: Self, error: MachineError, s: &mut Scope<'_, Log>) {
        if let Ask::Send { request } = state {
            s.seen.push(Seen::Failed { id: request.len() as u32, kind: error.kind(), what: error.what() });
        }
    }
}

#[test]
fn protocol_mode_clients_hear_connected_in_their_seeded_state_and_failures_with_it() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut lp = instance::<Connect<Ask>>(None);
    let seed = Outbound::tcp(listener.local_addr().unwrap(), Ask::Send { request: b"PING\n" }).unwrap();
    lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    run_until(&mut lp, |log| !log.seen.is_empty());
    let mut request = [0; 5];
    peer.read_exact(&mut request).unwrap();
    assert_eq!(&request, b"PING\n");
    peer.write_all(b"PONG\n").unwrap();
    run_until(&mut lp, |log| log.seen.len() >= 2);
    assert_eq!(
        lp.context().seen,
        [Seen::Connected { id: 5, input_was_empty: true }, Seen::Line { id: 0, line: b"PONG\n".to_vec() }]
    );

    lp.context_mut().seen.clear();
    match Outbound::tcp(refused_addr(), Ask::Send { request: b"HI\n" }) {
        Ok(seed) => {
            lp.add_machine_with(|scope| Connect::start(seed, scope)).unwrap();
            run_until(&mut lp, failed);
            assert_eq!(
                lp.context().seen,
                [Seen::Failed { id: 3, kind: ErrorKind::ConnectionRefused, what: "io error" }]
            );
        }
        Err(e) => assert_eq!(e.error.kind(), ErrorKind::ConnectionRefused),
    }
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
}

/// `#[machine]` composes a client with other machines: its seed enum gets
/// a variant for the client's `Outbound`.
#[mio::machine]
enum Mixed {
    Client(Connect<Banner>),
    Ask(Connect<Ask>),
}

#[test]
fn composed_machines_take_clients_through_their_seed_enum() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut lp = instance::<Mixed>(None);
    let seed = Outbound::tcp(listener.local_addr().unwrap(), Banner { id: 4 }).unwrap();
    lp.add_machine_with(|scope| <Mixed as Machine>::create(MixedSeed::Client(seed), scope)).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"composed\n").unwrap();
    run_until(&mut lp, |log| log.seen.len() >= 2);
    assert_eq!(
        lp.context().seen,
        [Seen::Connected { id: 4, input_was_empty: true }, Seen::Line { id: 4, line: b"composed\n".to_vec() }]
    );
}

#[test]
fn a_connect_deadline_the_timer_cannot_take_is_an_error_the_creator_gets() {
    let _serial = serial();
    let _watchdog = Watchdog::new("connect test", Duration::from_secs(30));
    let (_listener, addr, _filler) = blackhole();
    let mut config = LoopConfig::new();
    config.machines(4).buffers(1024, 4);
    config.event_loop().timer_capacity(1);
    let mut lp = Loop::<Connect<Banner>>::new(&config).unwrap().instantiate(Log::default());
    let baseline = open_fds();
    let deadline = lp.now() + Duration::from_secs(60);
    let first = Outbound::tcp(addr, Banner { id: 1 }).unwrap().deadline(deadline);
    lp.add_machine_with(|scope| Connect::start(first, scope)).unwrap();
    let second = Outbound::tcp(addr, Banner { id: 2 }).unwrap().deadline(deadline);
    let refused = lp.add_machine_with(|scope| Connect::start(second, scope)).unwrap_err();
    assert_eq!((refused.kind(), refused.what()), (ErrorKind::OutOfMemory, "timer capacity exhausted"));
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (1, 1));
    assert_eq!(open_fds(), baseline + 1, "only the first attempt's socket is open");
    lp.close();
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
    assert_eq!(open_fds(), baseline);
}
