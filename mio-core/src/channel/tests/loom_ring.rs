//! Loom models of the channel's ring: loom explores the interleavings and
//! the memory orderings (within its preemption bound) of a few producers and
//! the consumer, and fails on any unsynchronized access to a slot.
//!
//! Each ordering in the ring is load-bearing: weakening any Acquire or
//! Release to Relaxed, or letting `has_room` accept one more message, makes
//! at least one model fail.

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use crate::channel::ring::{ring, Consumer, Producer, PushError};

/// Pushes `msgs` in order without retrying; returns those that went in.
/// A `Full` must hand back the very message pushed.
fn push_all(tx: &Producer<u64>, msgs: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut pushed = Vec::new();
    for msg in msgs {
        match tx.push(msg) {
            Ok(()) => pushed.push(msg),
            Err(PushError::Full(m)) => assert_eq!(m, msg, "Full hands the message back"),
            Err(PushError::Closed(_)) => panic!("closed while the consumer lives"),
        }
    }
    pushed
}

/// One pop attempt by the consumer, into `got`.
///
/// loom's DPOR remembers only the last access to each atomic, so a
/// consumer's load of a stamp that a producer then loads and stores is
/// not reordered after that store unless some other access makes them
/// dependent. Each model therefore runs twice: with the consumer going
/// first (loom keeps running the current thread), and with it yielding
/// before each attempt, which lets the producers get ahead.
fn pop_into(rx: &mut Consumer<u64>, got: &mut Vec<u64>, yield_first: bool) {
    if yield_first {
        thread::yield_now();
    }
    if let Some(msg) = rx.pop() {
        got.push(msg);
    }
}

/// After the concurrent part: drains the ring, then checks that it holds
/// exactly `cap` messages again (the stamps were left consistent).
fn drain_and_refill(rx: &mut Consumer<u64>, tx: &Producer<u64>, cap: usize, got: &mut Vec<u64>) {
    while let Some(msg) = rx.pop() {
        got.push(msg);
    }
    for i in 0..cap as u64 {
        tx.push(i).unwrap();
    }
    assert!(matches!(tx.push(u64::MAX), Err(PushError::Full(u64::MAX))));
    for i in 0..cap as u64 {
        assert_eq!(rx.pop(), Some(i));
    }
    assert_eq!(rx.pop(), None);
}

/// Two producers push `per` messages each (no retries: a `Full` hands
/// the message back) while the consumer pops `pops` times; then the rest
/// is drained. Every message that went in comes out once, each producer's
/// in order; none that came back comes out.
fn two_producers(cap: usize, per: u64, pops: usize) {
    for yield_first in [false, true] {
        two_producers_once(cap, per, pops, yield_first, false);
    }
}

/// `shared`: both threads push through one `Producer` (a `Sender` is
/// `Sync`), so they share its cached `head` too.
fn two_producers_once(cap: usize, per: u64, pops: usize, yield_first: bool, shared: bool) {
    loom::model(move || {
        let (tx, mut rx) = ring::<u64>(cap);
        let one = Arc::new(tx.clone());
        let threads: Vec<_> = (0..2u64)
            .map(|p| {
                let (tx, one) = (tx.clone(), Arc::clone(&one));
                thread::spawn(move || push_all(if shared { &one } else { &tx }, (0..per).map(|i| p << 32 | i)))
            })
            .collect();
        let mut got = Vec::new();
        for _ in 0..pops {
            pop_into(&mut rx, &mut got, yield_first);
        }
        let pushed: Vec<Vec<u64>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        drain_and_refill(&mut rx, &tx, cap, &mut got);
        for (p, pushed) in pushed.iter().enumerate() {
            let mine: Vec<u64> = got.iter().copied().filter(|m| (m >> 32) as usize == p).collect();
            assert_eq!(&mine, pushed, "producer {p}: lost, duplicated or reordered");
        }
        assert_eq!(got.len(), pushed.iter().map(Vec::len).sum::<usize>());
    });
}

#[test]
fn loom_two_producers_capacity_1() {
    two_producers(1, 2, 2);
}

#[test]
fn loom_two_producers_capacity_2() {
    two_producers(2, 2, 2);
}

#[test]
fn loom_two_threads_share_one_producer() {
    for cap in [1, 2] {
        two_producers_once(cap, 2, 2, true, true);
    }
}

/// Full is exact and hands back the message while a pop runs concurrently.
#[test]
fn loom_full_races_a_pop() {
    loom::model(|| {
        let (tx, mut rx) = ring::<u32>(1);
        tx.push(1).unwrap();
        let tx2 = tx.clone();
        let t = thread::spawn(move || match tx2.push(2) {
            Ok(()) => true,
            Err(PushError::Full(m)) => {
                assert_eq!(m, 2);
                false
            }
            Err(PushError::Closed(_)) => panic!("closed"),
        });
        assert_eq!(rx.pop(), Some(1));
        let pushed = t.join().unwrap();
        assert_eq!(rx.pop(), pushed.then_some(2));
        assert_eq!(rx.pop(), None);
    });
}

/// Counts drops with a loom atomic, so that loom sees the ordering.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The consumer is dropped while two producers push: each message is
/// dropped exactly once, wherever it ends up (handed back, drained by the
/// consumer, or left in the ring).
#[test]
fn loom_close_races_sends() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = ring::<Counted>(2);
        tx.push(Counted(Arc::clone(&drops))).unwrap();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (tx, drops) = (tx.clone(), Arc::clone(&drops));
                thread::spawn(move || match tx.push(Counted(drops)) {
                    Ok(()) => 0,
                    Err(PushError::Full(m) | PushError::Closed(m)) => {
                        drop(m);
                        1
                    }
                })
            })
            .collect();
        drop(tx);
        let popped = rx.pop().map(drop).is_some();
        drop(rx);
        let back: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        // All three are dropped by now: the last `Arc` of the ring went
        // with the last producer.
        assert_eq!(drops.load(Ordering::SeqCst), 3, "popped={popped} back={back}");
    });
}

/// A producer races the consumer across the wrap point of a 2-slot ring,
/// starting from each slot and on a later lap.
#[test]
fn loom_wrap_around() {
    for (warm_up, yield_first) in [(1u64, false), (2, false), (3, false), (1, true), (2, true), (3, true)] {
        loom::model(move || {
            let (tx, mut rx) = ring::<u64>(2);
            // Move head and tail on by `warm_up` positions, sequentially.
            for i in 0..warm_up {
                tx.push(1000 + i).unwrap();
                assert_eq!(rx.pop(), Some(1000 + i));
            }
            let producer = tx.clone();
            let t = thread::spawn(move || push_all(&producer, 0..3));
            let mut got = Vec::new();
            for _ in 0..2 {
                pop_into(&mut rx, &mut got, yield_first);
            }
            let pushed = t.join().unwrap();
            drain_and_refill(&mut rx, &tx, 2, &mut got);
            assert_eq!(got, pushed);
            assert!(pushed.len() >= 2, "two fit in an empty ring of two");
        });
    }
}
