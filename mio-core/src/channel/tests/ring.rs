//! Unit tests of the channel's ring: order, exact capacity, wrap-around,
//! drops, and producers racing each other and the close on real threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use crate::channel::ring::{ring, Consumer, Producer, PushError};

/// Counts drops.
#[derive(Debug)]
struct Counted(u64, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn fifo_order() {
    let (tx, mut rx) = ring(8);
    assert!(rx.is_empty());
    for i in 0..5u32 {
        tx.push(i).unwrap();
    }
    assert!(!rx.is_empty());
    for i in 0..5 {
        assert_eq!(rx.pop(), Some(i));
    }
    assert!(rx.is_empty());
    assert_eq!(rx.pop(), None);
}

#[test]
fn exactly_capacity_messages_fit_then_full_hands_the_message_back() {
    for cap in [1usize, 2, 3, 4, 5, 7, 8, 4096] {
        let (tx, mut rx) = ring(cap);
        // Twice, the second time on the next lap.
        for _round in 0..2 {
            for i in 0..cap {
                assert!(tx.push(i).is_ok(), "cap {cap}: push {i} failed");
            }
            match tx.push(usize::MAX) {
                Err(PushError::Full(m)) => assert_eq!(m, usize::MAX),
                other => panic!("cap {cap}: expected Full, got {other:?}"),
            }
            // One pop makes room for exactly one push.
            assert_eq!(rx.pop(), Some(0));
            tx.push(cap).unwrap();
            assert!(matches!(tx.push(0), Err(PushError::Full(0))));
            for i in 1..=cap {
                assert_eq!(rx.pop(), Some(i), "cap {cap}");
            }
            assert_eq!(rx.pop(), None);
        }
    }
}

#[test]
fn wraps_around_over_many_laps() {
    for cap in [1usize, 3, 4, 5, 64] {
        let (tx, mut rx) = ring(cap);
        let mut next_in = 0u64;
        let mut next_out = 0u64;
        // Varying fill levels, so that the head and tail cross the wrap
        // point at every offset.
        for round in 0..1_000u64 {
            let queued = (next_in - next_out) as usize;
            let burst = (round as usize % cap + 1).min(cap - queued);
            for _ in 0..burst {
                tx.push(next_in).unwrap();
                next_in += 1;
            }
            let queued = (next_in - next_out) as usize;
            if queued == cap {
                assert!(matches!(tx.push(0), Err(PushError::Full(0))));
            }
            for _ in 0..(round as usize * 7) % (queued + 1) {
                assert_eq!(rx.pop(), Some(next_out));
                next_out += 1;
            }
        }
        while let Some(v) = rx.pop() {
            assert_eq!(v, next_out);
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        assert!(next_in > 10 * cap as u64);
    }
}

#[test]
fn every_message_is_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = ring(4);
    let msg = |i| Counted(i, Arc::clone(&drops));
    // Delivered: dropped by whoever received it.
    tx.push(msg(0)).unwrap();
    drop(rx.pop().unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    // Full: handed back.
    for i in 1..=4 {
        tx.push(msg(i)).unwrap();
    }
    match tx.push(msg(5)) {
        Err(PushError::Full(m)) => assert_eq!(m.0, 5),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    // Queued when the consumer goes: dropped at once, senders alive.
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
    // Sent after the close: handed back.
    match tx.push(msg(6)) {
        Err(PushError::Closed(m)) => assert_eq!(m.0, 6),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 7);
}

#[test]
fn messages_left_behind_a_not_ready_slot_go_with_the_ring() {
    // A push that claimed its position and had not written it when the
    // consumer was dropped: the consumer's drain stops there, the ring's own
    // drop takes the rest.
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = ring(4);
    tx.push(Counted(0, Arc::clone(&drops))).unwrap();
    // Position 1: claimed, and never written.
    let _stalled = tx.claim_unwritten().expect("room for position 1");
    // Ready behind the unready one.
    tx.push(Counted(2, Arc::clone(&drops))).unwrap();
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the drain stops at the unready slot");
    assert!(matches!(tx.push(Counted(9, Arc::clone(&drops))), Err(PushError::Closed(_))));
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 3, "the ring dropped the message behind");
}

#[test]
fn sends_racing_with_the_close_are_dropped_exactly_once() {
    const PRODUCERS: u64 = 4;
    const PER: u64 = 20_000;
    for _ in 0..20 {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = ring(64);
        let start = Arc::new(Barrier::new(PRODUCERS as usize + 1));
        let threads: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let (tx, start, drops) = (tx.clone(), Arc::clone(&start), Arc::clone(&drops));
                thread::spawn(move || {
                    start.wait();
                    // (queued, handed back)
                    let (mut queued, mut back) = (0usize, 0usize);
                    for i in 0..PER {
                        match tx.push(Counted(p << 32 | i, Arc::clone(&drops))) {
                            Ok(()) => queued += 1,
                            Err(PushError::Full(_)) => back += 1,
                            Err(PushError::Closed(_)) => {
                                back += 1;
                                break;
                            }
                        }
                    }
                    (queued, back)
                })
            })
            .collect();
        start.wait();
        let mut received = 0usize;
        for _ in 0..1_000 {
            if rx.pop().is_some() {
                received += 1;
            }
        }
        drop(rx);
        let (mut queued, mut back) = (0, 0);
        for t in threads {
            let (q, b) = t.join().unwrap();
            queued += q;
            back += b;
        }
        drop(tx);
        // Every message is gone: received, handed back, drained or
        // dropped with the ring; and none twice.
        assert_eq!(drops.load(Ordering::SeqCst), queued + back);
        assert!(received <= queued);
    }
}

#[test]
fn producers_sharing_one_handle_lose_nothing() {
    // A `Sender` is `Sync`: threads may push through one `Producer`
    // (and its cached head) by reference.
    const PER: u64 = 100_000;
    let (tx, mut rx) = ring(8);
    let mut next = [0u64; 4];
    thread::scope(|s| {
        for p in 0..4u64 {
            let tx = &tx;
            s.spawn(move || push_sequence(tx, p, PER));
        }
        pop_sequences(&mut rx, &mut next, PER, "shared handle");
    });
    assert_eq!(rx.pop(), None);
}

/// Pushes `producer << 32 | i` for `i` in `0..per`, yielding and
/// retrying on `Full`; returns how many times it was full.
fn push_sequence(tx: &Producer<u64>, producer: u64, per: u64) -> u64 {
    let mut full = 0;
    for i in 0..per {
        let mut msg = producer << 32 | i;
        loop {
            match tx.push(msg) {
                Ok(()) => break,
                Err(PushError::Full(m)) => {
                    msg = m;
                    full += 1;
                    thread::yield_now();
                }
                Err(PushError::Closed(_)) => panic!("closed"),
            }
        }
    }
    full
}

/// Pops until every producer's `per` messages arrived, checking that
/// each producer's come in order.
fn pop_sequences(rx: &mut Consumer<u64>, next: &mut [u64], per: u64, what: &str) {
    let mut got = 0;
    while got < next.len() as u64 * per {
        match rx.pop() {
            Some(msg) => {
                let (p, i) = ((msg >> 32) as usize, msg & 0xffff_ffff);
                assert_eq!(next[p], i, "{what}: producer {p} out of order");
                next[p] += 1;
                got += 1;
            }
            None => thread::yield_now(),
        }
    }
    assert!(next.iter().all(|&n| n == per), "{what}: every message arrived");
}

#[test]
fn four_producers_stress_per_producer_order_and_totals() {
    const PRODUCERS: u64 = 4;
    const PER: u64 = 200_000;
    for cap in [1usize, 3, 64, 4096] {
        let (tx, mut rx) = ring(cap);
        let start = Arc::new(Barrier::new(PRODUCERS as usize + 1));
        let threads: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let (tx, start) = (tx.clone(), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    push_sequence(&tx, p, PER)
                })
            })
            .collect();
        drop(tx);
        start.wait();
        let mut next = [0u64; PRODUCERS as usize];
        pop_sequences(&mut rx, &mut next, PER, &format!("cap {cap}"));
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(rx.pop(), None);
    }
}
