//! Channel benchmark: 1M messages from 1 and from 4 producer threads into a
//! consumer thread that sleeps in epoll when the queue is empty.
//!
//! Contenders, interleaved round by round so drift of the (shared) machine
//! hits them alike:
//!
//! * `mio`: our `EventLoop` with its default config (4,096-slot queue, 256
//!   messages per turn); the `Handler` counts messages. A producer that gets
//!   `Full` yields and retries.
//! * `mio-1M`: the same with `notify_capacity` = 1,048,576, so the queue never
//!   fills: the same backpressure as the unbounded baseline.
//! * `xbeam`: the baseline the issue names: an unbounded crossbeam channel and
//!   an eventfd waker written only when the consumer sleeps, mio 1.x style:
//!   the consumer sets a `parked` flag, fences, re-checks the queue and
//!   blocks in `epoll_wait`; a producer sends, fences and writes the eventfd
//!   only if it takes the flag (`parked.load() && parked.swap(false)`).
//! * `xbeam-swap`: the same with the peers' exact handshake
//!   (`../shared/peers/micro`, mode wake-flag): `parked.swap(false)` on every
//!   send.
//! * `xbeam-4096`: `xbeam` on a bounded crossbeam channel of 4,096 slots,
//!   `try_send` with the same yield-and-retry on `Full` as `mio`.
//!
//! Every consumer checks per-producer order and the count. Output: per
//! contender, msgs/s (median, min, max over the rounds), eventfd writes per
//! message, and the median of the per-round ratios mio / baseline.
//!
//! `cargo bench --bench channel`; `CHANNEL_REPS` (default 7) and
//! `CHANNEL_N` (default 1,000,000) change the work, `CHANNEL_FULL=sleep`
//! the producers' back-off on `Full`, and `CHANNEL_ONLY=<name>` /
//! `CHANNEL_PRODUCERS=<n>` select one contender or producer count (for
//! `perf stat`).
//!
//! Reading it: with 4 producers on 2 cores the producers can outrun the
//! single consumer, so a bounded queue fills and the figure measures backpressure
//! (yields, sleeps and wake-ups of a consumer that keeps catching up), not
//! the channel: compare `mio` with `xbeam-4096` (same bound, same retry) and
//! `mio-1M` with `xbeam` (neither fills).

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use mio::{EventLoop, EventLoopConfig, Handler, NotifyError};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Contender {
    Mio,
    MioBig,
    Xbeam,
    XbeamSwap,
    XbeamBounded,
}

impl Contender {
    const ALL: [Contender; 5] =
        [Contender::Mio, Contender::MioBig, Contender::Xbeam, Contender::XbeamSwap, Contender::XbeamBounded];

    fn name(self) -> &'static str {
        match self {
            Contender::Mio => "mio",
            Contender::MioBig => "mio-1M",
            Contender::Xbeam => "xbeam",
            Contender::XbeamSwap => "xbeam-swap",
            Contender::XbeamBounded => "xbeam-4096",
        }
    }

    fn run(self, producers: u64, n: u64) -> Run {
        match self {
            Contender::Mio => run_mio(producers, n, 4_096),
            Contender::MioBig => run_mio(producers, n, 1 << 20),
            Contender::Xbeam => run_xbeam(producers, n, None, false),
            Contender::XbeamSwap => run_xbeam(producers, n, None, true),
            Contender::XbeamBounded => run_xbeam(producers, n, Some(4_096), false),
        }
    }
}

/// What a producer does when the queue is full: `thread::yield_now()` by
/// default; `CHANNEL_FULL=sleep` sleeps 50 µs instead (a producer that gives
/// the consumer its CPU on a machine with fewer cores than threads).
fn back_off() {
    static SLEEP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *SLEEP.get_or_init(|| std::env::var("CHANNEL_FULL").is_ok_and(|v| v == "sleep")) {
        thread::sleep(std::time::Duration::from_micros(50));
    } else {
        thread::yield_now();
    }
}

/// One run's figures.
struct Run {
    secs: f64,
    wakeups: u64,
    full_retries: u64,
}

/// Checks that each producer's messages arrive in order, and counts them.
struct OrderCheck {
    next: Vec<u64>,
    got: u64,
}

impl OrderCheck {
    fn new(producers: u64) -> OrderCheck {
        OrderCheck { next: vec![0; producers as usize], got: 0 }
    }

    #[inline]
    fn take(&mut self, msg: u64) {
        let (p, seq) = ((msg >> 32) as usize, msg & 0xffff_ffff);
        assert_eq!(self.next[p], seq, "producer {p} out of order");
        self.next[p] = seq + 1;
        self.got += 1;
    }
}

struct Counter {
    check: OrderCheck,
    total: u64,
}

impl Handler for Counter {
    type Timeout = ();
    type Message = u64;

    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u64) {
        self.check.take(msg);
        if self.check.got == self.total {
            event_loop.shutdown();
        }
    }
}

fn run_mio(producers: u64, n: u64, capacity: usize) -> Run {
    let mut config = EventLoopConfig::new();
    config.notify_capacity(capacity);
    let mut event_loop = EventLoop::<Counter>::configured(config).expect("EventLoop::configured");
    let start = Arc::new(Barrier::new(producers as usize + 1));
    let per = n / producers;
    let threads: Vec<_> = (0..producers)
        .map(|p| {
            let sender = event_loop.channel();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut retries = 0u64;
                for seq in 0..per {
                    let mut msg = p << 32 | seq;
                    loop {
                        match sender.send(msg) {
                            Ok(()) => break,
                            Err(NotifyError::Full(back)) => {
                                msg = back;
                                retries += 1;
                                back_off();
                            }
                            Err(e) => panic!("send: {e}"),
                        }
                    }
                }
                retries
            })
        })
        .collect();
    let mut counter = Counter { check: OrderCheck::new(producers), total: per * producers };
    start.wait();
    let t0 = Instant::now();
    event_loop.run(&mut counter).expect("run");
    let secs = t0.elapsed().as_secs_f64();
    let full_retries = threads.into_iter().map(|t| t.join().expect("producer")).sum();
    Run { secs, wakeups: event_loop.channel_wakeups(), full_retries }
}

fn run_xbeam(producers: u64, n: u64, bound: Option<usize>, swap_every_send: bool) -> Run {
    let waker = Arc::new(sys::EventfdWaker::new());
    let (tx, rx) = match bound {
        Some(cap) => crossbeam_channel::bounded::<u64>(cap),
        None => crossbeam_channel::unbounded::<u64>(),
    };
    let parked = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(producers as usize + 1));
    let per = n / producers;
    let threads: Vec<_> = (0..producers)
        .map(|p| {
            let (tx, waker, parked, writes, start) =
                (tx.clone(), Arc::clone(&waker), Arc::clone(&parked), Arc::clone(&writes), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let mut retries = 0u64;
                for seq in 0..per {
                    let mut msg = p << 32 | seq;
                    loop {
                        match tx.try_send(msg) {
                            Ok(()) => break,
                            Err(crossbeam_channel::TrySendError::Full(back)) => {
                                msg = back;
                                retries += 1;
                                back_off();
                            }
                            Err(e) => panic!("send: {e}"),
                        }
                    }
                    // Pairs with the consumer's store + fence (Dekker).
                    fence(Ordering::SeqCst);
                    let take = if swap_every_send {
                        parked.swap(false, Ordering::SeqCst)
                    } else {
                        parked.load(Ordering::Relaxed) && parked.swap(false, Ordering::SeqCst)
                    };
                    if take {
                        writes.fetch_add(1, Ordering::Relaxed);
                        waker.wake();
                    }
                }
                retries
            })
        })
        .collect();
    drop(tx);
    let mut check = OrderCheck::new(producers);
    let total = per * producers;
    start.wait();
    let t0 = Instant::now();
    loop {
        while let Ok(msg) = rx.try_recv() {
            check.take(msg);
        }
        if check.got == total {
            break;
        }
        parked.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if !rx.is_empty() {
            parked.store(false, Ordering::Relaxed);
            continue;
        }
        waker.wait();
        parked.store(false, Ordering::Relaxed);
    }
    let secs = t0.elapsed().as_secs_f64();
    let full_retries = threads.into_iter().map(|t| t.join().expect("producer")).sum();
    Run { secs, wakeups: writes.load(Ordering::Relaxed), full_retries }
}

/// The baseline's eventfd + epoll, through nix's thin wrappers (one syscall
/// each, no allocation).
mod sys {
    use nix::errno::Errno;
    use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
    use nix::sys::eventfd::{EfdFlags, EventFd};

    /// An eventfd registered (level-triggered) with its own epoll instance.
    pub struct EventfdWaker {
        efd: EventFd,
        epoll: Epoll,
    }

    impl EventfdWaker {
        pub fn new() -> EventfdWaker {
            let efd =
                EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK).expect("eventfd");
            let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).expect("epoll_create1");
            epoll.add(&efd, EpollEvent::new(EpollFlags::EPOLLIN, 0)).expect("epoll_ctl");
            EventfdWaker { efd, epoll }
        }

        /// One `write(2)` of 1 to the eventfd.
        pub fn wake(&self) {
            assert_eq!(self.efd.write(1), Ok(8), "eventfd write failed");
        }

        /// Blocks in `epoll_wait` until the eventfd is readable, then resets it.
        pub fn wait(&self) {
            let mut ev = [EpollEvent::empty()];
            loop {
                match self.epoll.wait(&mut ev, EpollTimeout::NONE) {
                    Ok(1) => break,
                    Err(Errno::EINTR) => {}
                    other => panic!("epoll_wait: {other:?}"),
                }
            }
            self.efd.read().expect("eventfd read failed");
        }
    }
}

fn median_min_max(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.replace('_', "").parse().ok()).unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let reps = env_or("CHANNEL_REPS", 7).max(1) as usize;
    let n = env_or("CHANNEL_N", 1_000_000).max(4);
    // For `perf stat`: `CHANNEL_ONLY=mio` runs one contender, `CHANNEL_PRODUCERS=4` one producer count.
    let only = std::env::var("CHANNEL_ONLY").ok();
    let producer_counts: Vec<u64> = match env_or("CHANNEL_PRODUCERS", 0) {
        0 => vec![1, 4],
        p => vec![p],
    };
    println!("channel benchmark: n={n} messages per run, {reps} interleaved rounds");
    for producers in producer_counts {
        let mut runs: Vec<Vec<Run>> = Contender::ALL.iter().map(|_| Vec::new()).collect();
        for _ in 0..reps {
            for (i, c) in Contender::ALL.iter().enumerate() {
                if only.as_deref().is_some_and(|o| o != c.name()) {
                    continue;
                }
                runs[i].push(c.run(producers, n));
            }
        }
        let total = (n / producers * producers) as f64;
        println!("producers={producers}");
        for (i, c) in Contender::ALL.iter().enumerate() {
            if runs[i].is_empty() {
                continue;
            }
            let rates = runs[i].iter().map(|r| total / r.secs).collect();
            let (med, min, max) = median_min_max(rates);
            let (wk, _, _) = median_min_max(runs[i].iter().map(|r| r.wakeups as f64).collect());
            let (fr, _, _) = median_min_max(runs[i].iter().map(|r| r.full_retries as f64).collect());
            println!(
                "  {:<10} msgs/s median={:>10.0} min={:>10.0} max={:>10.0}  eventfd writes median={wk:>7.0} ({:.5}/msg)  full retries median={fr:.0}",
                c.name(),
                med,
                min,
                max,
                wk / total
            );
        }
        use Contender::*;
        let pairs = [(Mio, Xbeam), (Mio, XbeamSwap), (Mio, XbeamBounded), (MioBig, Xbeam), (MioBig, XbeamSwap)];
        for (ours, base) in pairs {
            let (o, b) = (&runs[ours as usize], &runs[base as usize]);
            if o.is_empty() || b.is_empty() {
                continue;
            }
            let (med, min, max) = median_min_max(o.iter().zip(b).map(|(o, b)| b.secs / o.secs).collect());
            println!(
                "  ratio {:>6}/{:<10} (throughput, per round) median={med:.2}x min={min:.2}x max={max:.2}x",
                ours.name(),
                base.name()
            );
        }
    }
}
