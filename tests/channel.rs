//! The loop's channel: wake-ups, coalescing, ordering, `messages_per_tick`,
//! `Full`/`Closed`, drop semantics and config validation.
//!
//! No test sleeps to order events: threads meet at barriers or wait for an
//! observable condition, and every test runs under a watchdog that aborts the
//! process (with a message) if it hangs.

mod util;

use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use mio::{EventLoop, EventLoopConfig, Handler, NotifyError, Sender};
use util::blocked::{current_thread, wait_until_blocked_in_poll};
use util::Watchdog;

/// Counts how many times values were dropped.
#[derive(Debug)]
struct Counted {
    id: u64,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Records every message and how many arrived in each turn.
#[derive(Default)]
struct Recorder {
    got: Vec<u64>,
    this_turn: usize,
    per_turn: Vec<usize>,
    stop_after: usize,
}

impl Handler for Recorder {
    type Timeout = ();
    type Message = u64;

    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u64) {
        self.got.push(msg);
        self.this_turn += 1;
        if self.got.len() == self.stop_after {
            event_loop.shutdown();
        }
    }

    fn tick(&mut self, _: &mut EventLoop<Self>) {
        self.per_turn.push(self.this_turn);
        self.this_turn = 0;
    }
}

#[test]
fn send_from_another_thread_wakes_a_loop_blocked_in_run() {
    let _dog = Watchdog::new("send_from_another_thread_wakes_a_loop_blocked_in_run", Duration::from_secs(30));
    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let sender = event_loop.channel();
    let (where_tx, where_rx) = mpsc::channel::<String>();
    let remote = thread::spawn(move || {
        let loop_thread = where_rx.recv().unwrap();
        let seen_blocked = wait_until_blocked_in_poll(&loop_thread);
        sender.send(7).unwrap();
        seen_blocked
    });
    where_tx.send(current_thread()).unwrap();

    let mut handler = Recorder { stop_after: 1, ..Recorder::default() };
    event_loop.run(&mut handler).unwrap();
    let seen_blocked = remote.join().unwrap();

    assert_eq!(handler.got, [7]);
    println!("loop seen blocked in epoll_wait: {seen_blocked}; wakeups: {}", event_loop.channel_wakeups());
    if seen_blocked {
        assert_eq!(event_loop.channel_wakeups(), 1, "one sleep, one send: exactly one waker write");
    } else {
        assert!(event_loop.channel_wakeups() <= 1);
    }
}

/// 4 threads x 25,000 messages, each `sender << 32 | seq`.
#[test]
fn messages_from_four_threads_arrive_once_in_order_with_few_wakeups() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 25_000;
    const TOTAL: u64 = THREADS * PER_THREAD;
    let _dog = Watchdog::new("messages_from_four_threads", Duration::from_secs(120));
    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let start = Arc::new(Barrier::new(THREADS as usize + 1));
    let full_retries = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let sender = event_loop.channel();
            let start = Arc::clone(&start);
            let full_retries = Arc::clone(&full_retries);
            thread::spawn(move || {
                start.wait();
                for seq in 0..PER_THREAD {
                    let mut msg = t << 32 | seq;
                    loop {
                        match sender.send(msg) {
                            Ok(()) => break,
                            Err(NotifyError::Full(back)) => {
                                msg = back;
                                full_retries.fetch_add(1, Ordering::Relaxed);
                                thread::yield_now();
                            }
                            Err(e) => panic!("send failed: {e}"),
                        }
                    }
                }
            })
        })
        .collect();

    let mut handler = Recorder { stop_after: TOTAL as usize, ..Recorder::default() };
    start.wait();
    event_loop.run(&mut handler).unwrap();
    for s in senders {
        s.join().unwrap();
    }

    assert_eq!(handler.got.len() as u64, TOTAL);
    let mut next = [0u64; THREADS as usize];
    for &m in &handler.got {
        let (t, seq) = ((m >> 32) as usize, m & 0xffff_ffff);
        assert_eq!(seq, next[t], "sender {t}: got {seq}, expected {}", next[t]);
        next[t] += 1;
    }
    assert!(next.iter().all(|&n| n == PER_THREAD));
    // Nothing else is queued: every message arrived exactly once.
    event_loop.run_once(&mut handler, Some(Duration::ZERO)).unwrap();
    assert_eq!(handler.got.len() as u64, TOTAL);

    let wakeups = event_loop.channel_wakeups();
    println!(
        "{TOTAL} messages: {wakeups} waker writes ({:.3} per message), {} turns, {} Full retries",
        wakeups as f64 / TOTAL as f64,
        event_loop.turns(),
        full_retries.load(Ordering::Relaxed)
    );
    assert!(wakeups < TOTAL / 10, "{wakeups} waker writes for {TOTAL} messages: wake-ups do not coalesce");
    assert!(wakeups <= event_loop.turns(), "at most one waker write per sleep");
}

/// Each message is sent only after the previous one was handled, after a
/// pause of random length, so the loop is caught at every point of its way
/// to sleep: 10,000 sleep/wake races, none of which may lose the wake-up (the
/// watchdog turns a hang into a failure).
#[test]
fn ping_pong_through_many_sleeps_loses_no_wake_up() {
    const N: u64 = 10_000;
    struct Acker {
        handled: Arc<AtomicU64>,
    }
    impl Handler for Acker {
        type Timeout = ();
        type Message = u64;
        fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u64) {
            assert_eq!(msg, self.handled.load(Ordering::Relaxed));
            self.handled.store(msg + 1, Ordering::Release);
            if msg + 1 == N {
                event_loop.shutdown();
            }
        }
    }
    let _dog = Watchdog::new("ping_pong_through_many_sleeps", Duration::from_secs(120));
    let mut event_loop = EventLoop::<Acker>::new().unwrap();
    let handled = Arc::new(AtomicU64::new(0));
    let sender = event_loop.channel();
    let remote = {
        let handled = Arc::clone(&handled);
        thread::spawn(move || {
            let mut rng = 0x9e37_79b9_7f4a_7c15u64;
            for i in 0..N {
                // A varying pause, so sends land at every point of the loop's
                // way to sleep (including between its last check and epoll).
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                for _ in 0..rng % 1024 {
                    std::hint::spin_loop();
                }
                sender.send(i).unwrap();
                while handled.load(Ordering::Acquire) <= i {
                    std::hint::spin_loop();
                }
            }
        })
    };
    event_loop.run(&mut Acker { handled: Arc::clone(&handled) }).unwrap();
    remote.join().unwrap();
    let wakeups = event_loop.channel_wakeups();
    println!("{N} ping-pongs: {wakeups} waker writes, {} turns", event_loop.turns());
    assert_eq!(handled.load(Ordering::Relaxed), N);
    assert!(wakeups <= N, "at most one waker write per message here");
}

#[test]
fn messages_per_tick_bounds_a_turn_and_the_rest_come_next_turn_without_blocking() {
    let _dog = Watchdog::new("messages_per_tick_bounds_a_turn", Duration::from_secs(30));
    let mut config = EventLoopConfig::new();
    config.messages_per_tick(3).notify_capacity(16);
    let mut event_loop = EventLoop::<Recorder>::configured(config).unwrap();
    let sender = event_loop.channel();
    for m in 0..8 {
        sender.send(m).unwrap();
    }
    let mut handler = Recorder::default();
    // Timeout `None`: each turn would block forever if it waited while
    // messages remain; the watchdog turns that into a failure.
    for turn in 1..=3 {
        event_loop.run_once(&mut handler, None).unwrap();
        assert_eq!(event_loop.turns(), turn);
    }
    assert_eq!(handler.per_turn, [3, 3, 2]);
    assert_eq!(handler.got, (0..8).collect::<Vec<_>>());
    assert_eq!(event_loop.channel_wakeups(), 0, "sends to an awake loop write no waker");

    // Drained: a non-blocking turn delivers nothing more.
    event_loop.run_once(&mut handler, Some(Duration::ZERO)).unwrap();
    assert_eq!(handler.per_turn, [3, 3, 2, 0]);
}

#[test]
fn full_hands_the_message_back_without_blocking() {
    let _dog = Watchdog::new("full_hands_the_message_back", Duration::from_secs(30));
    let drops = Arc::new(AtomicUsize::new(0));
    let mut config = EventLoopConfig::new();
    config.notify_capacity(4);
    let mut event_loop = EventLoop::<Sink>::configured(config).unwrap();
    let sender = event_loop.channel();
    let counted = |id| Counted { id, drops: Arc::clone(&drops) };

    // From another thread, so a blocking send would hang there, not here.
    let back = {
        let sender = sender.clone();
        let drops = Arc::clone(&drops);
        thread::spawn(move || {
            let counted = |id| Counted { id, drops: Arc::clone(&drops) };
            for id in 0..4 {
                sender.send(counted(id)).unwrap();
            }
            match sender.send(counted(4)) {
                Err(NotifyError::Full(m)) => m,
                other => panic!("expected Full, got {other:?}"),
            }
        })
        .join()
        .unwrap()
    };
    assert_eq!(back.id, 4);
    assert_eq!(drops.load(Ordering::SeqCst), 0, "nothing dropped: the message came back");
    drop(back);

    let mut sink = Sink::default();
    event_loop.run_once(&mut sink, Some(Duration::ZERO)).unwrap();
    assert_eq!(sink.ids, [0, 1, 2, 3]);
    sender.send(counted(5)).unwrap();
    event_loop.run_once(&mut sink, Some(Duration::ZERO)).unwrap();
    assert_eq!(sink.ids, [0, 1, 2, 3, 5]);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}

/// Keeps the ids of the messages it receives, and drops the messages.
#[derive(Default)]
struct Sink {
    ids: Vec<u64>,
}

impl Handler for Sink {
    type Timeout = ();
    type Message = Counted;

    fn notify(&mut self, _: &mut EventLoop<Self>, msg: Counted) {
        self.ids.push(msg.id);
    }
}

#[test]
fn send_after_the_loop_is_dropped_is_closed_with_the_message() {
    let drops = Arc::new(AtomicUsize::new(0));
    let event_loop = EventLoop::<Sink>::new().unwrap();
    let sender: Sender<Counted> = event_loop.channel();
    drop(event_loop);
    match sender.send(Counted { id: 9, drops: Arc::clone(&drops) }) {
        Err(NotifyError::Closed(Some(m))) => {
            assert_eq!(m.id, 9);
            assert_eq!(drops.load(Ordering::SeqCst), 0);
        }
        other => panic!("expected Closed(Some(_)), got {other:?}"),
    }
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn dropping_the_loop_drops_undelivered_messages_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut config = EventLoopConfig::new();
    config.notify_capacity(64).messages_per_tick(2);
    let mut event_loop = EventLoop::<Sink>::configured(config).unwrap();
    let sender = event_loop.channel();
    let remote = event_loop.channel();
    for id in 0..10 {
        sender.send(Counted { id, drops: Arc::clone(&drops) }).unwrap();
    }
    let mut sink = Sink::default();
    event_loop.run_once(&mut sink, Some(Duration::ZERO)).unwrap();
    assert_eq!(sink.ids, [0, 1]);
    assert_eq!(drops.load(Ordering::SeqCst), 2);

    // Senders outlive the loop: the 8 queued messages go with the loop, not
    // with the last sender.
    drop(event_loop);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    drop(sender);
    drop(remote);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
}

#[test]
fn sends_from_the_loop_thread_inside_notify_write_no_waker() {
    struct Relay;
    impl Handler for Relay {
        type Timeout = ();
        type Message = u32;
        fn notify(&mut self, event_loop: &mut EventLoop<Self>, n: u32) {
            if n == 0 {
                event_loop.shutdown();
            } else {
                event_loop.channel().send(n - 1).unwrap();
            }
        }
    }
    let _dog = Watchdog::new("sends_from_the_loop_thread_inside_notify", Duration::from_secs(30));
    let mut event_loop = EventLoop::<Relay>::new().unwrap();
    event_loop.channel().send(1_000).unwrap();
    event_loop.run(&mut Relay).unwrap();
    assert_eq!(event_loop.channel_wakeups(), 0);
}

#[test]
fn zero_notify_capacity_or_messages_per_tick_is_invalid_input() {
    let mut config = EventLoopConfig::new();
    config.notify_capacity(0);
    let err = EventLoop::<Recorder>::configured(config).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

    let mut config = EventLoopConfig::new();
    config.messages_per_tick(0);
    let err = EventLoop::<Recorder>::configured(config).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

    let mut config = EventLoopConfig::new();
    config.notify_capacity(1).messages_per_tick(1);
    assert!(EventLoop::<Recorder>::configured(config).is_ok());
}
