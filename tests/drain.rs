//! Draining a machine loop: listeners close at once, machines that ignore
//! the drain go on until they end, protocols hear of it only if they ask,
//! the loop stops when the last machine (daemons aside) ends or at the
//! drain deadline, which ends the rest and gives every buffer, slot and
//! timer back. Time moves by hand (a manual clock) where the deadline
//! matters; sockets are loopback; every wait is bounded.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream as Client};
use std::process::Command;
use std::time::{Duration, Instant};

use mio::machine::SignalShutdown;
use mio::machine::{Accept, Created, Loop, LoopConfig, LoopInstance, Machine, Notifier, Response, Scope};
use mio::serve::LoopGroup;
use mio::stream::{Event, Intent, Next, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use mio::timer::ManualClock;
use mio::EventSet;
use util::{localhost, Watchdog, DEADLINE, TURN};

/// What connections do, chosen by the test before they are accepted.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Mode {
    /// Echo what comes; ignore the drain.
    #[default]
    Echo,
    /// Send zeros without end (to a client that does not read).
    Flood,
    /// Wait for 100 bytes (a client sends fewer).
    Want,
}

/// The loop's context: what the machines saw.
#[derive(Debug, Default)]
struct Log {
    mode: Mode,
    /// Machines whose `drain` ran, in order.
    told: Vec<&'static str>,
    /// `Plain`'s wake-ups.
    wakeups: u32,
    /// Whether `Plain` ends on its next wake-up.
    end_plain: bool,
}

/// A connection in one of the [`Mode`]s; the default `drain` (go on).
#[derive(Debug)]
struct Conn(Mode);

type T<'a> = Transport<'a, TcpStream>;

impl Protocol for Conn {
    type Context = Log;
    type Socket = TcpStream;

    fn create(t: &mut T<'_>, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        match scope.mode {
            Mode::Echo => Intent::of(Conn(Mode::Echo)).expect_bytes(1),
            Mode::Flood => Conn(Mode::Flood).bytes_flushed(t, scope),
            Mode::Want => Intent::of(Conn(Mode::Want)).expect_bytes(100),
        }
    }

    fn bytes_read(self, t: &mut T<'_>, _end: usize, _: &mut Scope<'_, Log>) -> Intent<Self> {
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        Intent::of(self).expect_flush()
    }

    fn bytes_flushed(self, t: &mut T<'_>, _: &mut Scope<'_, Log>) -> Intent<Self> {
        match self.0 {
            Mode::Flood => {
                let room = t.output().remaining();
                t.output().push(&vec![0; room]);
                Intent::of(self).expect_flush()
            }
            _ => Intent::of(self).expect_bytes(1),
        }
    }

    fn timeout(self, _: &mut T<'_>, _: &mut Scope<'_, Log>) -> Intent<Self> {
        Intent::done()
    }
}

/// Ignores the drain (the trait's default): counts wake-ups, ends at its
/// deadline or on a wake-up once `end_plain` is set.
#[derive(Debug)]
struct Plain;

impl Machine for Plain {
    type Context = Log;
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, Log>) -> Created<Self> {
        Created::ok(Plain)
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Log>) -> Response<Self, ()> {
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, Log>) -> Response<Self, ()> {
        Response::done()
    }

    fn wakeup(self, scope: &mut Scope<'_, Log>) -> Response<Self, ()> {
        scope.wakeups += 1;
        if scope.end_plain {
            Response::done()
        } else {
            Response::unchanged(self)
        }
    }
}

/// Drains the loop on a wake-up; ends when told of a drain.
#[derive(Debug)]
struct Teller;

impl Machine for Teller {
    type Context = Log;
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, Log>) -> Created<Self> {
        Created::ok(Teller)
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Log>) -> Response<Self, ()> {
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, Log>) -> Response<Self, ()> {
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Log>) -> Response<Self, ()> {
        let deadline = scope.now() + Duration::from_secs(30);
        scope.drain_loop(deadline);
        assert!(scope.is_draining());
        assert_eq!(scope.drain_deadline(), Some(deadline));
        Response::ok(self)
    }

    fn drain(self, scope: &mut Scope<'_, Log>) -> Response<Self, ()> {
        scope.told.push("teller");
        Response::done()
    }
}

/// `#[machine]` forwards `drain` to each variant: `Accept`'s, the default
/// of `Plain`, `Teller`'s own.
#[mio::machine]
enum Server {
    Net(Accept<TcpListener, Stream<Conn>>),
    Plain(Plain),
    Teller(Teller),
}

/// A loop on `clock` with a listener; returns it and the listener's address.
fn server(clock: Option<&ManualClock>) -> (LoopInstance<Server>, SocketAddr) {
    let mut config = LoopConfig::new();
    config.machines(16).buffers(16 * 1024, 16);
    if let Some(clock) = clock {
        config.event_loop().clock(clock.clone());
    }
    let mut lp = Loop::<Server>::new(&config).unwrap().instantiate(Log::default());
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Net)).unwrap();
    (lp, addr)
}

/// Adds a machine made by `f` and returns its notifier.
fn add(lp: &mut LoopInstance<Server>, f: impl FnOnce(&mut Scope<'_, Log>) -> Created<Server>) -> Notifier {
    let mut notifier = None;
    lp.add_machine_with(|scope| {
        notifier = Some(scope.notifier());
        f(scope)
    })
    .unwrap();
    notifier.unwrap()
}

/// Runs turns until `done` holds.
///
/// # Panics
///
/// After [`DEADLINE`] without it.
fn turn_until<M: Machine>(lp: &mut LoopInstance<M>, mut done: impl FnMut(&LoopInstance<M>) -> bool) {
    let start = Instant::now();
    while !done(lp) {
        assert!(start.elapsed() < DEADLINE, "condition not met within {DEADLINE:?}");
        lp.run_once(Some(TURN)).unwrap();
    }
}

/// A client whose reads and writes give up after [`DEADLINE`].
fn connect(addr: SocketAddr) -> Client {
    let c = Client::connect(addr).unwrap();
    c.set_read_timeout(Some(DEADLINE)).unwrap();
    c.set_write_timeout(Some(DEADLINE)).unwrap();
    c
}

/// Writes `msg` and turns the loop until it comes back.
fn echo<M: Machine>(lp: &mut LoopInstance<M>, client: &mut Client, msg: &[u8]) {
    client.write_all(msg).unwrap();
    client.set_nonblocking(true).unwrap();
    let mut got = Vec::new();
    turn_until(lp, |_| {
        let mut buf = [0; 64];
        match client.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock, "{e}"),
        }
        got.len() >= msg.len()
    });
    client.set_nonblocking(false).unwrap();
    assert_eq!(got, msg);
}

/// Reads until the server closes (EOF or reset), bounded by [`DEADLINE`].
fn read_to_close(client: &mut Client) {
    let start = Instant::now();
    let mut buf = vec![0; 1 << 16];
    while start.elapsed() < DEADLINE {
        match client.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) => panic!("reading to the close: {e}"),
        }
    }
    panic!("not closed within {DEADLINE:?}");
}

#[test]
fn listeners_close_at_once_and_machines_that_ignore_the_drain_go_on() {
    let clock = ManualClock::new();
    let (mut lp, addr) = server(Some(&clock));
    let plain = add(&mut lp, |_| Created::ok(Server::Plain(Plain)));
    add(&mut lp, |_| Created::ok(Server::Teller(Teller)));
    let mut client = connect(addr);
    echo(&mut lp, &mut client, b"before");
    assert_eq!(lp.machine_count(), 4);

    lp.drain(lp.now() + Duration::from_secs(10));
    assert!(lp.is_draining());
    let refused = Client::connect(addr).map(|_| ()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "the listener is closed at once");
    assert_eq!(lp.context().told, ["teller"], "told once, and it ended");
    assert_eq!(lp.machine_count(), 2, "the listener and the teller ended; the rest go on");

    // The connection and `Plain` ignore the drain: they work as before.
    echo(&mut lp, &mut client, b"during");
    plain.wakeup().unwrap();
    turn_until(&mut lp, |lp| lp.context().wakeups == 1);
    assert!(!lp.is_shutdown());

    drop(client);
    turn_until(&mut lp, |lp| lp.machine_count() == 1);
    assert!(!lp.is_shutdown(), "Plain is alive");
    lp.context_mut().end_plain = true;
    plain.wakeup().unwrap();
    turn_until(&mut lp, LoopInstance::is_shutdown);
    assert_eq!(lp.machine_count(), 0);
    assert_eq!(lp.timeouts_pending(), 0, "the drain deadline's timer is cleared");
    assert_eq!(lp.buffers_free(), lp.buffers_total());
    lp.run().unwrap(); // A drained loop returns at once.
    lp.drain(lp.now()); // and drains once only
}

#[test]
fn the_deadline_ends_the_rest_and_gives_everything_back() {
    let clock = ManualClock::new();
    let (mut lp, addr) = server(Some(&clock));
    add(&mut lp, |scope| Created::keep(Server::Plain(Plain)).deadline(scope.now() + Duration::from_secs(3600)));
    lp.context_mut().mode = Mode::Flood;
    let mut flooded = connect(addr); // never reads while the loop runs
    turn_until(&mut lp, |lp| lp.machine_count() == 3 && lp.buffers_free() < lp.buffers_total());
    lp.context_mut().mode = Mode::Want;
    let mut wanting = connect(addr);
    wanting.write_all(&[1; 10]).unwrap(); // of 100
    let held = lp.buffers_free();
    turn_until(&mut lp, |lp| lp.buffers_free() < held);
    assert!(lp.timeouts_pending() >= 1);

    lp.drain(lp.now() + Duration::from_millis(100));
    assert_eq!(lp.machine_count(), 3, "the flood, the wanting one and Plain go on");
    clock.advance(Duration::from_millis(99));
    for _ in 0..3 {
        lp.run_once(Some(Duration::ZERO)).unwrap();
    }
    assert_eq!(lp.machine_count(), 3, "not before the deadline");
    assert!(!lp.is_shutdown());

    clock.advance(Duration::from_millis(2));
    turn_until(&mut lp, LoopInstance::is_shutdown);
    assert_eq!(lp.machine_count(), 0);
    assert_eq!(lp.buffers_free(), lp.buffers_total(), "every stream buffer is back");
    assert_eq!(lp.queued_values_free(), lp.queued_values_total());
    assert_eq!(lp.timeouts_pending(), 0, "Plain's deadline and the drain's are cleared");
    read_to_close(&mut flooded);
    read_to_close(&mut wanting);
}

#[test]
fn a_machine_drains_the_loop_and_run_returns_when_the_last_machine_ends() {
    let _watchdog = Watchdog::new("drain: run", DEADLINE * 2);
    let (mut lp, addr) = server(None);
    let mut client = connect(addr);
    add(&mut lp, |scope| Created::keep(Server::Plain(Plain)).deadline(scope.now() + Duration::from_millis(50)));
    add(&mut lp, |_| Created::ok(Server::Plain(Plain)).daemon()); // never ends by itself
    let teller = add(&mut lp, |_| Created::ok(Server::Teller(Teller)));
    echo(&mut lp, &mut client, b"hi");
    drop(client);
    teller.wakeup().unwrap();
    let start = Instant::now();
    lp.run().unwrap();
    assert!(start.elapsed() < DEADLINE, "returned when the last machine ended, not at the 30 s deadline");
    assert_eq!(lp.context().told, ["teller"]);
    assert_eq!(lp.machine_count(), 0, "the daemon ended with the drain");
    assert_eq!(lp.timeouts_pending(), 0);
}

/// Closes on `Event::Drain` (it sets `DRAIN`).
#[mio::machine(protocol)]
#[derive(Debug)]
enum Polite {
    #[state(start, to(Closed))]
    Open,
    #[state(done)]
    Closed,
}

/// Would close on `Event::Drain`, but does not set `DRAIN`.
#[mio::machine(protocol)]
#[derive(Debug)]
enum Deaf {
    #[state(start, to(Gone))]
    Listening,
    #[state(done)]
    Gone,
}

impl polite::Handlers for Polite {
    type Context = Log;
    type Socket = TcpStream;
    const DRAIN: bool = true;

    fn create(_: &mut T<'_>, _: &mut Scope<'_, Log>) -> Next<polite::Open> {
        Next::of(polite::Open).expect_bytes(1)
    }

    fn on_open(
        state: polite::Open,
        event: Event,
        t: &mut T<'_>,
        scope: &mut Scope<'_, Log>,
    ) -> Next<polite::AfterOpen> {
        match event {
            Event::Drain => {
                scope.told.push("polite");
                Next::finish(polite::Closed)
            }
            Event::BytesRead(end) => {
                t.input().consume(end);
                Next::of(state).expect_bytes(1)
            }
            _ => Next::done(),
        }
    }
}

impl deaf::Handlers for Deaf {
    type Context = Log;
    type Socket = TcpStream;

    fn create(_: &mut T<'_>, _: &mut Scope<'_, Log>) -> Next<deaf::Listening> {
        Next::of(deaf::Listening).expect_bytes(1)
    }

    fn on_listening(
        state: deaf::Listening,
        event: Event,
        t: &mut T<'_>,
        scope: &mut Scope<'_, Log>,
    ) -> Next<deaf::AfterListening> {
        match event {
            Event::Drain => {
                scope.told.push("deaf");
                Next::finish(deaf::Gone)
            }
            Event::BytesRead(end) => {
                t.input().consume(end);
                Next::of(state).expect_bytes(1)
            }
            _ => Next::done(),
        }
    }
}

/// A loop whose connections speak `P`, with one connection accepted.
fn one_connection<P: Protocol<Context = Log, Socket = TcpStream>>(
) -> (LoopInstance<Accept<TcpListener, Stream<P>>>, Client) {
    let mut config = LoopConfig::new();
    config.machines(4).buffers(1024, 4);
    let mut lp = Loop::new(&config).unwrap().instantiate(Log::default());
    let listener = TcpListener::bind(localhost()).unwrap();
    let client = connect(listener.local_addr().unwrap());
    lp.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
    turn_until(&mut lp, |lp| lp.machine_count() == 2);
    (lp, client)
}

#[test]
fn protocol_states_hear_the_drain_only_if_they_ask() {
    let (mut polite, mut polite_client) = one_connection::<Polite>();
    polite.drain(polite.now() + DEADLINE);
    assert_eq!(polite.context().told, ["polite"]);
    assert_eq!(polite.machine_count(), 0);
    assert!(polite.is_shutdown(), "the last machine ended: the drain is over");
    read_to_close(&mut polite_client);

    let (mut deaf, _deaf_client) = one_connection::<Deaf>();
    deaf.drain(deaf.now() + DEADLINE);
    assert!(deaf.context().told.is_empty(), "DRAIN is false: the states never see Event::Drain");
    assert_eq!(deaf.machine_count(), 1, "the connection goes on");
    assert!(!deaf.is_shutdown());
}

/// Sends `signal` to this process with kill(1).
fn raise(signal: &str) {
    let pid = std::process::id().to_string();
    assert!(Command::new("kill").args(["-s", signal, &pid]).status().unwrap().success());
}

/// A signal watcher that drains beside a machine that ignores drains.
#[mio::machine]
enum Watched {
    Signals(SignalShutdown<Log>),
    Plain(Plain),
}

#[test]
fn signal_shutdown_draining_drains_on_the_first_signal_and_stops_on_the_second() {
    let mut lp = Loop::<Watched>::new(&LoopConfig::new()).unwrap().instantiate(Log::default());
    let grace = Duration::from_secs(60);
    lp.add_machine_with(|scope| SignalShutdown::draining(&[libc::SIGUSR2], grace, scope).map(Watched::Signals))
        .unwrap();
    lp.add_machine_with(|_| Created::ok(Watched::Plain(Plain))).unwrap();
    raise("USR2");
    turn_until(&mut lp, LoopInstance::is_draining);
    assert!(!lp.is_shutdown(), "Plain goes on");
    assert_eq!(lp.machine_count(), 2);
    raise("USR2");
    turn_until(&mut lp, LoopInstance::is_shutdown);
    assert_eq!(lp.machine_count(), 2, "the second signal stops the loop at once");
}

#[test]
fn a_group_drains_every_loop_and_waits_for_their_last_connection() {
    let _watchdog = Watchdog::new("drain: group", DEADLINE * 3);
    let loops = LoopGroup::new(localhost())
        .threads(2)
        .spawn(
            |_| Log::default(),
            |lp: &mut Loop<Accept<TcpListener, Stream<Conn>>>, listener, _| {
                lp.add_machine_with(|scope| Accept::new(listener, scope))?;
                Ok(())
            },
        )
        .unwrap();
    let addr = loops.local_addr();
    let mut client = connect(addr);
    client.write_all(b"ping").unwrap();
    let mut back = [0; 4];
    client.read_exact(&mut back).unwrap();

    loops.drain(Duration::from_secs(60));
    let start = Instant::now();
    loop {
        match Client::connect(addr) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            // Accepted by the kernel into a backlog as its listener closed.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("{e}"),
            Ok(_) => assert!(start.elapsed() < DEADLINE, "the listeners are still open"),
        }
        std::thread::yield_now();
    }
    client.write_all(b"pong").unwrap();
    client.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"pong", "a connection goes on while its loop drains");
    drop(client);
    loops.wait().unwrap();
    assert!(start.elapsed() < DEADLINE, "returned when the last connection ended, not at the deadline");
}
