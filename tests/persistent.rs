//! `Persistent`: a client that keeps one connection alive. 1,000 refused
//! attempts leak no fd, timer, slot or buffer; a server that restarts is
//! reconnected to, and the protocol hears of every step; a drain stops it.
//!
//! Tests that count this process's fds run one at a time (`serial`).

mod util;

use std::io::{ErrorKind, Read, Write};
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use mio::machine::{Loop, LoopConfig, LoopInstance, MachineError, Scope};
use mio::stream::{Backoff, Intent, Persistent, Protocol, Reconnect, Transport};
use mio::tcp::TcpStream;
use mio::timer::ManualClock;
use mio::unix::UnixStream;
use mio::Evented;
use util::temp_dir::TempDir;
use util::{open_fds, Watchdog};

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Connected(u32),
    Failed(ErrorKind),
    Line(Vec<u8>),
    Disconnected(Option<ErrorKind>),
}

#[derive(Default)]
struct Log {
    seen: Vec<Seen>,
    failures: usize,
    /// The loop's time at each `connected`.
    connected_at: Vec<std::time::Instant>,
}

/// Reads lines until the peer closes. The template counts its connections;
/// each connection starts with the count so far.
#[derive(Debug)]
struct Lines<S = TcpStream> {
    connection: u32,
    socket: PhantomData<fn() -> S>,
}

impl<S> Clone for Lines<S> {
    fn clone(&self) -> Self {
        Lines { connection: self.connection, socket: PhantomData }
    }
}

fn lines<S>() -> Lines<S> {
    Lines { connection: 0, socket: PhantomData }
}

type T<'a, S> = Transport<'a, S>;

impl<S: Read + Write + Evented> Protocol for Lines<S> {
    type Context = Log;
    type Socket = S;
    fn create(_: &mut T<'_, S>, _: &mut Scope<'_, Log>) -> Intent<Self> {
        unreachable!("a client starts in `connected`")
    }
    fn connected(self, _: &mut T<'_, S>, s: &mut Scope<'_, Log>) -> Intent<Self> {
        s.seen.push(Seen::Connected(self.connection));
        let now = s.now();
        s.connected_at.push(now);
        Intent::of(self).expect_delimiter(b"\n", 128)
    }
    fn connect_failed(self, e: MachineError, s: &mut Scope<'_, Log>) {
        s.failures += 1;
        if s.seen.last() != Some(&Seen::Failed(e.kind())) {
            s.seen.push(Seen::Failed(e.kind()));
        }
    }
    fn bytes_read(self, t: &mut T<'_, S>, end: usize, s: &mut Scope<'_, Log>) -> Intent<Self> {
        s.seen.push(Seen::Line(t.input().data()[..end].to_vec()));
        t.input().consume(end);
        Intent::of(self).expect_delimiter(b"\n", 128)
    }
    fn bytes_flushed(self, _: &mut T<'_, S>, _: &mut Scope<'_, Log>) -> Intent<Self> {
        Intent::done()
    }
    fn timeout(self, _: &mut T<'_, S>, _: &mut Scope<'_, Log>) -> Intent<Self> {
        Intent::done()
    }
}

impl<S: Read + Write + Evented> Reconnect for Lines<S> {
    fn disconnected(&mut self, error: Option<MachineError>, s: &mut Scope<'_, Log>) {
        self.connection += 1;
        s.seen.push(Seen::Disconnected(error.map(|e| e.kind())));
    }
}

type Client = Persistent<Lines, SocketAddr>;

fn client(addr: SocketAddr, backoff: Backoff, clock: Option<&ManualClock>) -> LoopInstance<Client> {
    let mut config = LoopConfig::new();
    config.machines(4).buffers(1024, 4);
    if let Some(clock) = clock {
        config.event_loop().clock(clock.clone());
    }
    let mut lp = Loop::<Client>::new(&config).unwrap();
    lp.add_machine_with(|scope| Persistent::new(addr, lines(), backoff).start(scope)).unwrap();
    lp.instantiate(Log::default())
}

fn refused_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[test]
fn a_thousand_refused_attempts_leak_no_fd_timer_slot_or_buffer() {
    let _serial = serial();
    let _watchdog = Watchdog::new("persistent test", Duration::from_secs(60));
    let clock = ManualClock::new();
    let backoff = Backoff::new(Duration::from_millis(1), Duration::from_millis(8));
    let mut lp = client(refused_addr(), backoff, Some(&clock));
    let baseline = open_fds();
    let mut turns = 0;
    while lp.context().failures < 1000 {
        let before = lp.context().failures;
        // The backoff is at most 8 ms: the next attempt is due by then.
        clock.advance(Duration::from_millis(8));
        for _ in 0..100 {
            lp.run_once(Some(Duration::from_millis(1))).unwrap();
            turns += 1;
            if lp.context().failures > before {
                break;
            }
        }
        assert!(lp.context().failures > before, "attempt {before} never failed");
        assert_eq!(lp.machine_count(), 1);
        assert!(lp.timeouts_pending() <= 1, "{} timeouts pending", lp.timeouts_pending());
    }
    assert_eq!(lp.context().seen, [Seen::Failed(ErrorKind::ConnectionRefused)]);
    assert!(turns < 100_000);
    // No busy loop: at most one readiness event per attempt (none where
    // loopback refuses inside `connect` itself).
    assert!(lp.counters().events() <= 1000, "{} events", lp.counters().events());
    assert!(open_fds() <= baseline + 1, "at most the attempt in flight");
    assert_eq!(lp.buffers_free(), lp.buffers_total());
    // A drain stops it: nothing is left.
    lp.drain(clock.now() + Duration::from_secs(1));
    for _ in 0..10 {
        if lp.machine_count() == 0 {
            break;
        }
        lp.run_once(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
    assert_eq!(open_fds(), baseline);
}

/// Runs the client until `done` holds, boundedly, accepting on `server` (if
/// any) between turns.
fn run_until(
    lp: &mut LoopInstance<Client>,
    server: Option<&std::net::TcpListener>,
    peers: &mut Vec<std::net::TcpStream>,
    mut done: impl FnMut(&Log) -> bool,
) {
    for _ in 0..400 {
        if done(lp.context()) {
            return;
        }
        lp.run_once(Some(Duration::from_millis(25))).unwrap();
        if let Some(Ok((mut peer, _))) = server.map(|s| s.accept()) {
            peer.set_nonblocking(false).unwrap();
            peer.write_all(format!("hello {}\n", peers.len()).as_bytes()).unwrap();
            peers.push(peer);
        }
    }
    assert!(done(lp.context()), "not reached: {:?}", lp.context().seen);
}

#[test]
fn the_client_reconnects_after_the_server_restarts_and_says_so() {
    let _serial = serial();
    let _watchdog = Watchdog::new("persistent test", Duration::from_secs(60));
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    server.set_nonblocking(true).unwrap();
    let addr = server.local_addr().unwrap();
    let backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(20));
    let mut lp = client(addr, backoff, None);
    let mut peers = Vec::new();

    run_until(&mut lp, Some(&server), &mut peers, |log| log.seen.len() >= 2);
    // The server goes away: its connection and its listener close.
    drop(server);
    peers.clear();
    run_until(&mut lp, None, &mut peers, |log| log.failures >= 2);
    // It comes back on the same port.
    let server = std::net::TcpListener::bind(addr).unwrap();
    server.set_nonblocking(true).unwrap();
    run_until(&mut lp, Some(&server), &mut peers, |log| log.seen.len() >= 6);
    assert_eq!(
        lp.context().seen[..6],
        [
            Seen::Connected(0),
            Seen::Line(b"hello 0\n".to_vec()),
            Seen::Disconnected(None),
            Seen::Failed(ErrorKind::ConnectionRefused),
            Seen::Connected(1),
            Seen::Line(b"hello 0\n".to_vec()),
        ]
    );
    assert_eq!(lp.machine_count(), 1);
    assert_eq!(lp.timeouts_pending(), 0, "a connected client has no deadline");

    // A drain: the connection goes on until it ends, and is not replaced.
    lp.drain(lp.now() + Duration::from_secs(10));
    lp.run_once(Some(Duration::ZERO)).unwrap();
    assert_eq!(lp.machine_count(), 1, "the connection is still up");
    peers.clear();
    run_until(&mut lp, Some(&server), &mut peers, |log| log.seen.len() >= 7);
    for _ in 0..100 {
        if lp.machine_count() == 0 {
            break;
        }
        lp.run_once(Some(Duration::from_millis(25))).unwrap();
    }
    assert_eq!(lp.context().seen[6..], [Seen::Disconnected(None)]);
    assert_eq!((lp.machine_count(), lp.timeouts_pending()), (0, 0));
    assert!(lp.is_shutdown(), "the drained loop stopped");
}

#[test]
fn a_unix_client_reconnects_after_the_server_restarts() {
    let _serial = serial();
    let _watchdog = Watchdog::new("persistent test", Duration::from_secs(60));
    let dir = TempDir::new();
    let path: PathBuf = dir.path("server.sock");
    let bind = |path: &PathBuf| {
        let _ = std::fs::remove_file(path);
        let server = std::os::unix::net::UnixListener::bind(path).unwrap();
        server.set_nonblocking(true).unwrap();
        server
    };
    let server = bind(&path);
    let mut config = LoopConfig::new();
    config.machines(4).buffers(1024, 4);
    let mut lp = Loop::<Persistent<Lines<UnixStream>, PathBuf>>::new(&config).unwrap();
    let backoff = Backoff::new(Duration::from_millis(5), Duration::from_millis(20));
    lp.add_machine_with(|scope| Persistent::new(path.clone(), lines(), backoff).start(scope)).unwrap();
    let mut lp = lp.instantiate(Log::default());
    let mut peers = Vec::new();
    let step = |lp: &mut LoopInstance<Persistent<Lines<UnixStream>, PathBuf>>,
                server: Option<&std::os::unix::net::UnixListener>,
                peers: &mut Vec<std::os::unix::net::UnixStream>,
                done: &dyn Fn(&Log) -> bool| {
        for _ in 0..400 {
            if done(lp.context()) {
                return;
            }
            lp.run_once(Some(Duration::from_millis(25))).unwrap();
            if let Some(Ok((mut peer, _))) = server.map(|s| s.accept()) {
                peer.set_nonblocking(false).unwrap();
                peer.write_all(b"unix\n").unwrap();
                peers.push(peer);
            }
        }
        assert!(done(lp.context()), "not reached: {:?}", lp.context().seen);
    };
    step(&mut lp, Some(&server), &mut peers, &|log| log.seen.len() >= 2);
    drop(server);
    peers.clear();
    step(&mut lp, None, &mut peers, &|log| log.failures >= 2);
    let server = bind(&path);
    step(&mut lp, Some(&server), &mut peers, &|log| log.seen.len() >= 6);
    let seen = &lp.context().seen;
    assert_eq!(seen[..3], [Seen::Connected(0), Seen::Line(b"unix\n".to_vec()), Seen::Disconnected(None)]);
    // The socket file stayed behind: refused; or it was gone: not found.
    assert!(matches!(seen[3], Seen::Failed(ErrorKind::ConnectionRefused | ErrorKind::NotFound)), "{seen:?}");
    assert_eq!(seen[4..6], [Seen::Connected(1), Seen::Line(b"unix\n".to_vec())]);
}

#[test]
fn a_server_that_drops_every_connection_at_once_is_retried_ever_more_slowly() {
    let _serial = serial();
    let _watchdog = Watchdog::new("persistent test", Duration::from_secs(60));
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = std::sync::Arc::clone(&stop);
    // Accepts and closes each connection; a last connection after `stop`
    // ends it.
    let acceptor = std::thread::spawn(move || {
        while !stopped.load(std::sync::atomic::Ordering::Acquire) {
            drop(server.accept());
        }
    });
    let clock = ManualClock::new();
    let mut lp = client(addr, Backoff::new(Duration::from_millis(10), Duration::from_millis(80)), Some(&clock));
    for _ in 0..10_000 {
        if lp.context().connected_at.len() >= 8 {
            break;
        }
        clock.advance(Duration::from_millis(1));
        lp.run_once(Some(Duration::from_millis(1))).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    drop(std::net::TcpStream::connect(addr));
    acceptor.join().unwrap();
    let at = &lp.context().connected_at;
    assert!(at.len() >= 8, "{} connections", at.len());
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // The n-th wait is in [d/2, d] with d = min(10 ms * 2^n, 80 ms), plus
    // the turns it takes to see the close (a few 1 ms steps).
    assert!(gaps[0] <= Duration::from_millis(20), "{gaps:?}");
    assert!(gaps[4..].iter().all(|&g| g >= Duration::from_millis(40)), "{gaps:?}");
    assert!(gaps.iter().all(|&g| g <= Duration::from_millis(100)), "{gaps:?}");
}
