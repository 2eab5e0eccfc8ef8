//! The `Accept` machine: a spawn chain accepts a whole backlog in one
//! readiness event, and a full slab closes the surplus and backs off instead
//! of spinning.

mod util;

use std::io::Read;
use std::net::TcpStream as StdTcpStream;
use std::time::Duration;

use mio::machine::{Accept, Loop, LoopConfig, LoopInstance, Scope};
use mio::stream::{Intent, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use util::fd_limit::ensure_fd_limit;
use util::localhost;

/// Reads and drops whatever comes.
struct Sink;

impl Protocol for Sink {
    type Context = ();
    type Socket = TcpStream;
    fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Sink).expect_bytes(1)
    }
    fn bytes_read(self, t: &mut Transport<'_, TcpStream>, end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
        t.input().consume(end);
        Intent::of(Sink).expect_bytes(1)
    }
    fn bytes_flushed(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Sink).expect_bytes(1)
    }
    fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}

type Server = Accept<TcpListener, Stream<Sink>>;

fn server(machines: usize) -> (LoopInstance<Server>, std::net::SocketAddr) {
    let mut config = LoopConfig::new();
    config.machines(machines);
    let mut lp = Loop::<Server>::new(&config).unwrap().instantiate(());
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    lp.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
    (lp, addr)
}

#[test]
fn a_thousand_connections_are_accepted_in_one_readiness_event() {
    const N: usize = 1_000;
    if let Err(why) = ensure_fd_limit(2 * N as u64 + 256) {
        panic!("this test needs {} fds: {why}", 2 * N + 256);
    }
    let (mut lp, addr) = server(N + 1);
    // Blocking connects return once the kernel queued each connection.
    let clients: Vec<StdTcpStream> = (0..N).map(|_| StdTcpStream::connect(addr).unwrap()).collect();
    lp.run_once(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(lp.turns(), 1);
    assert_eq!(lp.machine_count(), N + 1, "every queued connection accepted in the first turn");
    drop(clients);
}

#[test]
fn a_full_slab_closes_the_surplus_and_backs_off_without_spinning() {
    let (mut lp, addr) = server(11); // the listener and 10 connections
    let clients: Vec<StdTcpStream> = (0..15).map(|_| StdTcpStream::connect(addr).unwrap()).collect();
    lp.run_once(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(lp.machine_count(), 11);
    // The accepted-but-unplaced connection is closed: its client reads EOF.
    let closed = clients
        .iter()
        .filter(|c| {
            c.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            let mut reader: &StdTcpStream = c;
            matches!(reader.read(&mut [0u8; 1]), Ok(0))
        })
        .count();
    assert_eq!(closed, 1, "one connection was accepted and refused; the rest wait in the backlog");
    // Backing off on a timer: no busy loop while the slab stays full.
    let before = lp.turns();
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        lp.run_once(Some(Duration::from_millis(50))).unwrap();
    }
    let turns = lp.turns() - before;
    assert!(turns <= 12, "{turns} turns in 300 ms: the listener spins");
}

/// `accept` on a listener that was shut down fails with `EINVAL` on every
/// call: the server backs off on its timer instead of retrying at once (it
/// used to loop on the error forever inside one readiness event).
#[test]
fn a_listener_whose_accept_keeps_failing_backs_off_instead_of_spinning() {
    use std::os::fd::AsRawFd;

    let mut lp = Loop::<Server>::new(&LoopConfig::new()).unwrap().instantiate(());
    let listener = TcpListener::bind(localhost()).unwrap();
    let fd = listener.as_raw_fd();
    lp.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
    nix::sys::socket::shutdown(fd, nix::sys::socket::Shutdown::Both).unwrap();
    // The loop runs on its own thread so a spin fails the test instead of
    // hanging it.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..3 {
            lp.run_once(Some(Duration::from_millis(200))).unwrap();
        }
        let _ = done.send((lp.machine_count(), lp.timeouts_pending()));
    });
    let (machines, timeouts) =
        finished.recv_timeout(Duration::from_secs(20)).expect("the loop spins on accept's error");
    assert_eq!(machines, 1, "the listener is kept");
    assert_eq!(timeouts, 1, "and waits on its backoff timer");
}
