//! Zero allocations in steady state for the relay: after a warm-up,
//! 10,000 round trips through a `Relay` between two Unix socket pairs (a
//! client thread on one end, an echo thread on the other), with the idle
//! deadline pushed back on every event as examples/proxy.rs does, allocate
//! nothing on the loop's thread.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mio::machine::{Created, Loop, LoopConfig, Machine, Response, Scope};
use mio::relay::{Relay, Step};
use mio::unix::UnixStream;
use mio::EventSet;

use crate::alloc_counter::allocations_in;
use crate::util::Watchdog;

const MSG: usize = 64;
const IDLE: Duration = Duration::from_secs(60);

struct Pair(Relay<UnixStream, UnixStream>);

impl Machine for Pair {
    type Context = ();
    type Seed = (UnixStream, UnixStream);
    fn create((a, b): Self::Seed, scope: &mut Scope<'_, ()>) -> Created<Self> {
        match Relay::start(a, b, scope) {
            Step::Open(relay) => Created::keep(Pair(relay)).deadline(scope.now() + IDLE),
            other => panic!("relay did not start: {other:?}"),
        }
    }
    fn ready(self, events: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, Self::Seed> {
        match self.0.ready(events, scope) {
            Step::Open(relay) => Response::keep(Pair(relay)).deadline(scope.now() + IDLE),
            Step::Done | Step::Failed(_) => Response::done(),
        }
    }
    fn timeout(self, scope: &mut Scope<'_, ()>) -> Response<Self, Self::Seed> {
        self.0.close(scope);
        Response::done()
    }
}

/// Blocking-style IO on a non-blocking socket, yielding on `WouldBlock`.
fn exchange(socket: &mut UnixStream, out: &[u8], back: &mut [u8]) {
    let mut sent = 0;
    while sent < out.len() {
        match socket.write(&out[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
    let mut got = 0;
    while got < back.len() {
        match socket.read(&mut back[got..]) {
            Ok(0) => panic!("closed after {got} bytes"),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn relayed_round_trips_allocate_nothing() {
    let _watchdog = Watchdog::new("no_alloc relay test", Duration::from_secs(120));
    const WARMUP: usize = 1_000;
    const MEASURED: usize = 10_000;
    let mut lp = Loop::<Pair>::new(&LoopConfig::new()).unwrap().instantiate(());
    let (mut client, a) = UnixStream::pair().unwrap();
    let (b, mut server) = UnixStream::pair().unwrap();
    lp.add_machine_with(|scope| Pair::create((a, b), scope)).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let client_done = Arc::clone(&done);
    let client = std::thread::spawn(move || {
        let mut back = [0u8; MSG];
        for i in 0..WARMUP + MEASURED {
            let msg = [i as u8; MSG];
            exchange(&mut client, &msg, &mut back);
            assert_eq!(back, msg, "round trip {i}");
        }
        client_done.store(true, Ordering::Release);
        client
    });
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; MSG];
        for _ in 0..WARMUP + MEASURED {
            let mut got = 0;
            while got < MSG {
                match server.read(&mut buf[got..]) {
                    Ok(0) => panic!("closed"),
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
                    Err(e) => panic!("{e}"),
                }
            }
            server.write_all(&buf).unwrap();
        }
        server
    });
    let relayed = |lp: &mio::machine::LoopInstance<Pair>| lp.counters().bytes_written() as usize;
    let mut turns = 0;
    while relayed(&lp) < 2 * WARMUP * MSG {
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
        turns += 1;
        assert!(turns < 1_000_000, "warm-up stalled");
    }
    let allocations = allocations_in(|| {
        while !done.load(Ordering::Acquire) {
            lp.run_once(Some(Duration::from_millis(10))).unwrap();
        }
    });
    let (client, server) = (client.join().unwrap(), echo.join().unwrap());
    assert_eq!(relayed(&lp), 2 * (WARMUP + MEASURED) * MSG);
    assert_eq!(allocations, 0, "the relay allocated {allocations} times in steady state");
    // Both ends close: end of stream is passed on both ways and the relay
    // ends with every buffer back in the pool.
    drop((client, server));
    while lp.machine_count() > 0 {
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
        turns += 1;
        assert!(turns < 1_000_000, "the relay did not end");
    }
    assert_eq!(lp.buffers_free(), lp.buffers_total());
}
