//! Zero allocations for outbound connections in steady state: a
//! `Persistent` client cycling through refused attempts, and one cycling
//! through connect, `connected`, end of stream and reconnect (the server
//! thread accepts and closes), allocate nothing on the loop's thread after a
//! warm-up.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mio::machine::{Loop, LoopConfig, LoopInstance, MachineError, Scope};
use mio::stream::{Backoff, Intent, Persistent, Protocol, Reconnect, Transport};
use mio::tcp::TcpStream;
use mio::timer::ManualClock;

use crate::alloc_counter::allocations_in;
use crate::util::Watchdog;

#[derive(Default)]
struct Counts {
    connected: usize,
    failed: usize,
    disconnected: usize,
}

#[derive(Clone)]
struct Once;

type T<'a> = Transport<'a, TcpStream>;

impl Protocol for Once {
    type Context = Counts;
    type Socket = TcpStream;
    fn create(_: &mut T<'_>, _: &mut Scope<'_, Counts>) -> Intent<Self> {
        Intent::done()
    }
    fn connected(self, t: &mut T<'_>, s: &mut Scope<'_, Counts>) -> Intent<Self> {
        s.connected += 1;
        t.output().push(b"x");
        Intent::of(self).expect_bytes(1)
    }
    fn connect_failed(self, _: MachineError, s: &mut Scope<'_, Counts>) {
        s.failed += 1;
    }
    fn bytes_read(self, _: &mut T<'_>, _: usize, _: &mut Scope<'_, Counts>) -> Intent<Self> {
        Intent::done()
    }
    fn bytes_flushed(self, _: &mut T<'_>, _: &mut Scope<'_, Counts>) -> Intent<Self> {
        Intent::done()
    }
    fn timeout(self, _: &mut T<'_>, _: &mut Scope<'_, Counts>) -> Intent<Self> {
        Intent::done()
    }
}

impl Reconnect for Once {
    fn disconnected(&mut self, _: Option<MachineError>, s: &mut Scope<'_, Counts>) {
        s.disconnected += 1;
    }
}

type Client = Persistent<Once, SocketAddr>;

fn client(addr: SocketAddr, clock: &ManualClock) -> LoopInstance<Client> {
    let mut config = LoopConfig::new();
    config.machines(2).buffers(1024, 4);
    config.event_loop().clock(clock.clone());
    let mut lp = Loop::<Client>::new(&config).unwrap();
    let backoff = Backoff::new(Duration::from_millis(1), Duration::from_millis(1));
    lp.add_machine_with(|scope| Persistent::new(addr, Once, backoff).start(scope)).unwrap();
    lp.instantiate(Counts::default())
}

/// Runs `cycles` more of `count`, advancing the clock past each backoff.
fn cycle(lp: &mut LoopInstance<Client>, clock: &ManualClock, cycles: usize, count: fn(&Counts) -> usize) {
    let target = count(lp.context()) + cycles;
    for _ in 0..cycles * 1000 {
        if count(lp.context()) >= target {
            return;
        }
        clock.advance(Duration::from_millis(1));
        lp.run_once(Some(Duration::from_millis(1))).unwrap();
    }
    panic!("only {} of {target}", count(lp.context()));
}

#[test]
fn refused_attempts_allocate_nothing() {
    let _watchdog = Watchdog::new("no_alloc refused test", Duration::from_secs(60));
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let clock = ManualClock::new();
    let mut lp = client(refused, &clock);
    cycle(&mut lp, &clock, 20, |c| c.failed);
    let allocations = allocations_in(|| cycle(&mut lp, &clock, 500, |c| c.failed));
    assert_eq!(allocations, 0, "500 refused attempts allocated {allocations} times");
}

#[test]
fn connect_and_disconnect_cycles_allocate_nothing() {
    let _watchdog = Watchdog::new("no_alloc reconnect test", Duration::from_secs(60));
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    // Accepts and closes each connection (its allocations are its own
    // thread's, not counted); a last connection after `stop` ends it.
    let acceptor = std::thread::spawn(move || {
        while !stopped.load(Ordering::Acquire) {
            drop(server.accept());
        }
    });
    let clock = ManualClock::new();
    let mut lp = client(addr, &clock);
    cycle(&mut lp, &clock, 20, |c| c.disconnected);
    let allocations = allocations_in(|| cycle(&mut lp, &clock, 300, |c| c.disconnected));
    stop.store(true, Ordering::Release);
    drop(std::net::TcpStream::connect(addr));
    acceptor.join().unwrap();
    assert!(lp.context().connected >= 320, "{} connections", lp.context().connected);
    assert_eq!(allocations, 0, "300 connect/disconnect cycles allocated {allocations} times");
}
