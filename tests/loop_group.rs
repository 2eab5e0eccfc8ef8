//! `serve::LoopGroup`: loops sharing a port through `SO_REUSEPORT`, started,
//! reached and stopped together, their failures reported loop by loop.

mod util;

use std::io::{self, Read};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use mio::machine::{Accept, Created, Loop, Machine, Notifier, Response, Scope};
use mio::serve::{GroupError, LoopGroup, Pinning, Stage};
use mio::tcp::{TcpListener, TcpStream};
use mio::{EventSet, PollOpt};
use util::{localhost, Watchdog, DEADLINE};

/// A loop's context: it tells the test what happens on its loop.
struct Probe {
    index: usize,
    events: Sender<(usize, Seen)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Accepted,
    Woken,
    Dropped,
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.events.send((self.index, Seen::Dropped));
    }
}

/// A connection (reported when accepted, ended when the peer closes) or a
/// mailbox machine that reports each wake-up and, if asked, stops its loop.
enum Conn {
    Stream(TcpStream),
    Mailbox { stop_on_wakeup: bool },
}

impl Machine for Conn {
    type Context = Probe;
    type Seed = TcpStream;

    fn create(stream: TcpStream, scope: &mut Scope<'_, Probe>) -> Created<Self> {
        let _ = scope.events.send((scope.index, Seen::Accepted));
        match scope.register(&stream, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(Conn::Stream(stream)),
            Err(e) => Created::error(e.into()),
        }
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Probe>) -> Response<Self, TcpStream> {
        let Conn::Stream(mut stream) = self else { return Response::ok(self) };
        loop {
            match stream.read(&mut [0; 64]) {
                Ok(0) => return Response::done(),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Response::ok(Conn::Stream(stream)),
                Err(_) => return Response::done(),
            }
        }
    }

    fn timeout(self, _: &mut Scope<'_, Probe>) -> Response<Self, TcpStream> {
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Probe>) -> Response<Self, TcpStream> {
        if let Conn::Mailbox { stop_on_wakeup } = self {
            let _ = scope.events.send((scope.index, Seen::Woken));
            if stop_on_wakeup {
                scope.shutdown_loop();
            }
        }
        Response::ok(self)
    }
}

#[mio::machine]
enum Server {
    Listener(Accept<TcpListener, Conn>),
    Mailbox(Conn),
}

type Events = Receiver<(usize, Seen)>;

/// A group of `threads` loops on a free port: each has an `Accept` and a
/// mailbox (whose notifier is its handle); `stop_on_wakeup` for the loops
/// whose mailbox stops their loop.
fn spawn(group: &mut LoopGroup, stop_on_wakeup: fn(usize) -> bool) -> (mio::serve::Loops<Notifier>, Events) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let loops = group
        .spawn(
            move |index| Probe { index, events: tx.lock().unwrap().clone() },
            move |lp: &mut Loop<Server>, listener, index| {
                lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Listener))?;
                let mut notifier = None;
                lp.add_machine_with(|scope| {
                    notifier = Some(scope.notifier());
                    Created::ok(Server::Mailbox(Conn::Mailbox { stop_on_wakeup: stop_on_wakeup(index) }))
                })?;
                Ok(notifier.expect("set by the closure"))
            },
        )
        .expect("spawn");
    (loops, rx)
}

fn next(events: &Events) -> (usize, Seen) {
    events.recv_timeout(DEADLINE).expect("no event from the loops within the deadline")
}

/// Waits until every loop of `threads` dropped its context (its loop is
/// gone); other events are skipped.
fn expect_all_dropped(events: &Events, threads: usize) {
    let mut dropped = vec![false; threads];
    while dropped.contains(&false) {
        if let (index, Seen::Dropped) = next(events) {
            assert!(!dropped[index], "loop {index} dropped twice");
            dropped[index] = true;
        }
    }
}

#[test]
fn two_loops_share_a_thousand_connections() {
    let _watchdog = Watchdog::new("two_loops_share_a_thousand_connections", DEADLINE * 6);
    let (loops, events) = spawn(LoopGroup::new(localhost()).threads(2), |_| false);
    let addr = loops.local_addr();
    assert_ne!(addr.port(), 0);
    // Each connection comes from a new ephemeral port (the client closes
    // first, so its ports wait in TIME_WAIT and are not reused meanwhile):
    // 1,000 distinct 4-tuples for the kernel's hash to spread.
    let mut accepted = [0usize; 2];
    for _ in 0..1_000 {
        drop(std::net::TcpStream::connect(addr).unwrap());
    }
    while accepted.iter().sum::<usize>() < 1_000 {
        match next(&events) {
            (index, Seen::Accepted) => accepted[index] += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    eprintln!("accepted per loop: {accepted:?}");
    // Binomial(1000, 1/2): below 300 is over 12 standard deviations away.
    assert!(accepted.iter().all(|&n| n >= 300), "uneven spread: {accepted:?}");
    loops.stop();
    loops.wait().unwrap();
    expect_all_dropped(&events, 2);
}

#[test]
fn a_handle_posts_to_one_loop_or_to_all() {
    let _watchdog = Watchdog::new("a_handle_posts_to_one_loop_or_to_all", DEADLINE * 2);
    let (loops, events) = spawn(LoopGroup::new(localhost()).threads(3), |_| false);
    loops.handles()[1].wakeup().unwrap();
    assert_eq!(next(&events), (1, Seen::Woken));
    for notifier in loops.handles() {
        notifier.wakeup().unwrap();
    }
    let mut woken = Vec::new();
    for _ in 0..3 {
        let (index, seen) = next(&events);
        assert_eq!(seen, Seen::Woken);
        woken.push(index);
    }
    woken.sort();
    assert_eq!(woken, [0, 1, 2]);
    let stopper = loops.stopper();
    let waiter = std::thread::spawn(move || loops.wait());
    stopper.stop();
    assert!(stopper.is_stopped());
    waiter.join().unwrap().unwrap();
    expect_all_dropped(&events, 3);
}

#[test]
fn one_loop_ending_stops_the_others() {
    let _watchdog = Watchdog::new("one_loop_ending_stops_the_others", DEADLINE * 2);
    let (loops, events) = spawn(LoopGroup::new(localhost()).threads(2), |index| index == 1);
    loops.handles()[1].wakeup().unwrap(); // loop 1's mailbox stops loop 1
    loops.wait().unwrap();
    assert_eq!(next(&events), (1, Seen::Woken));
    expect_all_dropped(&events, 2);
}

#[test]
fn a_shutdown_signal_stops_every_loop() {
    let _watchdog = Watchdog::new("a_shutdown_signal_stops_every_loop", DEADLINE * 2);
    let (loops, events) = spawn(LoopGroup::new(localhost()).threads(2).shutdown_signals(&[libc::SIGUSR2]), |_| false);
    let pid = std::process::id().to_string();
    assert!(Command::new("kill").args(["-s", "USR2", &pid]).status().unwrap().success());
    loops.wait().unwrap(); // returns: the one signal reached both loops
    expect_all_dropped(&events, 2);
}

fn failures(err: &GroupError) -> Vec<(Option<usize>, Stage, io::ErrorKind)> {
    err.failures().iter().map(|f| (f.index(), f.stage(), f.error().kind())).collect()
}

#[test]
fn a_loop_that_cannot_bind_is_reported_and_the_others_stop() {
    let _watchdog = Watchdog::new("a_loop_that_cannot_bind_is_reported_and_the_others_stop", DEADLINE * 2);
    let (events_tx, events) = mpsc::channel();
    let events_tx = Mutex::new(events_tx);
    // Loop 0 is set up before the others bind: its setup gives its port to
    // a listener without SO_REUSEPORT, so loops 1 and 2 cannot bind it.
    let squatter: Arc<Mutex<Option<std::net::TcpListener>>> = Arc::default();
    let held = Arc::clone(&squatter);
    let err = LoopGroup::new(localhost())
        .threads(3)
        .spawn(
            move |index| Probe { index, events: events_tx.lock().unwrap().clone() },
            move |_lp: &mut Loop<Server>, listener: TcpListener, index| {
                if index == 0 {
                    let addr = listener.local_addr()?;
                    drop(listener);
                    *held.lock().unwrap() = Some(std::net::TcpListener::bind(addr)?);
                }
                Ok(())
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(squatter.lock().unwrap().is_some());
    assert_eq!(
        failures(&err),
        [(Some(1), Stage::Bind, io::ErrorKind::AddrInUse), (Some(2), Stage::Bind, io::ErrorKind::AddrInUse)]
    );
    assert!(err.to_string().starts_with("loop 1 cannot bind its listener: "), "{err}");
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::AddrInUse);
    // Loop 0 ran and was stopped; the others never had a context.
    assert_eq!(next(&events), (0, Seen::Dropped));
    assert!(events.try_recv().is_err());
}

#[test]
fn setup_errors_and_panics_are_reported_per_loop() {
    let _watchdog = Watchdog::new("setup_errors_and_panics_are_reported_per_loop", DEADLINE * 2);
    let err = LoopGroup::new(localhost())
        .threads(3)
        .spawn(
            |_| Probe { index: 0, events: mpsc::channel().0 },
            |_lp: &mut Loop<Server>, _listener, index| match index {
                1 => Err(io::Error::new(io::ErrorKind::PermissionDenied, "no")),
                2 => panic!("setup of loop 2 panics"),
                _ => Ok(()),
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        failures(&err),
        [(Some(1), Stage::Setup, io::ErrorKind::PermissionDenied), (Some(2), Stage::Panic, io::ErrorKind::Other)]
    );
    assert_eq!(err.failures()[1].error().to_string(), "setup of loop 2 panics");
}

#[test]
fn bad_settings_are_config_errors() {
    let setup = |_: &mut Loop<Server>, _: TcpListener, _: usize| Ok(());
    let context = |_| Probe { index: 0, events: mpsc::channel().0 };
    let err = LoopGroup::new(localhost()).threads(0).spawn(context, setup).map(|_| ()).unwrap_err();
    assert_eq!(failures(&err), [(None, Stage::Config, io::ErrorKind::InvalidInput)]);
    let err = LoopGroup::new(localhost()).pinning(Pinning::Cpus(vec![])).spawn(context, setup).map(|_| ()).unwrap_err();
    assert_eq!(failures(&err), [(None, Stage::Config, io::ErrorKind::InvalidInput)]);
}

/// The CPUs the calling thread may run on, as the kernel lists them.
fn my_cpus() -> String {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Cpus_allowed_list:")).unwrap();
    line["Cpus_allowed_list:".len()..].trim().to_owned()
}

/// Expands a kernel CPU list ("0-2,5") into CPU numbers.
fn expand(list: &str) -> Vec<usize> {
    let mut cpus = Vec::new();
    for part in list.split(',') {
        match part.split_once('-') {
            Some((a, b)) => cpus.extend(a.parse::<usize>().unwrap()..=b.parse().unwrap()),
            None => cpus.push(part.parse().unwrap()),
        }
    }
    cpus
}

#[test]
fn spread_pinning_puts_loop_i_on_the_ith_allowed_cpu() {
    let _watchdog = Watchdog::new("spread_pinning_puts_loop_i_on_the_ith_allowed_cpu", DEADLINE * 2);
    let allowed = expand(&my_cpus());
    let threads = allowed.len() + 1; // one more than CPUs: wraps to the first
    let loops = LoopGroup::new(localhost())
        .threads(threads)
        .pinning(Pinning::Spread)
        .spawn(|_| Probe { index: 0, events: mpsc::channel().0 }, |_: &mut Loop<Server>, _, _| Ok(my_cpus()))
        .unwrap();
    let expected: Vec<String> = (0..threads).map(|i| allowed[i % allowed.len()].to_string()).collect();
    assert_eq!(loops.handles(), expected);
    loops.stop();
    loops.wait().unwrap();
}

#[test]
fn loops_bind_the_port_loop_zero_got() {
    let _watchdog = Watchdog::new("loops_bind_the_port_loop_zero_got", DEADLINE * 2);
    let loops = LoopGroup::new(localhost())
        .threads(3)
        .spawn(
            |_| Probe { index: 0, events: mpsc::channel().0 },
            |_: &mut Loop<Server>, listener: TcpListener, _| -> io::Result<(SocketAddr, bool)> {
                Ok((listener.local_addr()?, listener.reuse_port()?))
            },
        )
        .unwrap();
    let addr = loops.local_addr();
    assert!(loops.handles().iter().all(|&h| h == (addr, true)), "{:?}", loops.handles());
    // Dropping the group stops and joins every loop, and every listener is
    // closed: the port can be bound without SO_REUSEPORT.
    drop(loops);
    std::net::TcpListener::bind(addr).unwrap();
}

#[test]
fn bind_reuseport_shares_a_port_and_plain_bind_does_not() {
    let first = TcpListener::bind_reuseport(localhost()).unwrap();
    let addr = first.local_addr().unwrap();
    let second = TcpListener::bind_reuseport(addr).unwrap();
    assert!(first.reuse_port().unwrap() && second.reuse_port().unwrap());
    assert_eq!(TcpListener::bind(addr).unwrap_err().kind(), io::ErrorKind::AddrInUse);
    let plain = TcpListener::bind(localhost()).unwrap();
    assert!(!plain.reuse_port().unwrap());
    assert_eq!(TcpListener::bind_reuseport(plain.local_addr().unwrap()).unwrap_err().kind(), io::ErrorKind::AddrInUse);
}
