//! Capacity exhaustion, reuse of entries, and generations of handles.

use crate::timer::{TimerError, TimerWheel};

#[test]
fn full_wheel_hands_the_payload_back_and_keeps_working() {
    let mut wheel = TimerWheel::with_capacity(2);
    assert_eq!(wheel.capacity(), 2);
    let a = wheel.insert(10, "a").unwrap();
    wheel.insert(20, "b").unwrap();
    assert_eq!(wheel.insert(5, "c"), Err((TimerError, "c")));
    assert_eq!(wheel.len(), 2);
    assert_eq!(wheel.cancel(a), Some("a"));
    wheel.insert(5, "c").unwrap();
    assert_eq!(wheel.poll(30), Some("c"));
    assert_eq!(wheel.poll(30), Some("b"));
    assert_eq!(wheel.poll(30), None);
}

#[test]
fn zero_capacity_is_always_full() {
    let mut wheel = TimerWheel::with_capacity(0);
    assert_eq!(wheel.insert(1, ()), Err((TimerError, ())));
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn stale_handle_does_not_cancel_the_entry_reusing_its_slot() {
    let mut wheel = TimerWheel::with_capacity(1);
    let old = wheel.insert(10, "old").unwrap();
    assert_eq!(wheel.poll(10), Some("old"));
    let new = wheel.insert(20, "new").unwrap();
    assert_ne!(old, new);
    assert_eq!(wheel.cancel(old), None);
    assert_eq!(wheel.len(), 1);
    assert_eq!(wheel.cancel(new), Some("new"));
    let newer = wheel.insert(30, "newer").unwrap();
    assert_eq!(wheel.cancel(new), None);
    assert_eq!(wheel.cancel(old), None);
    assert_eq!(wheel.poll(30), Some("newer"));
    assert_eq!(wheel.cancel(newer), None);
}

#[test]
fn entries_are_reused_many_times_over() {
    let mut wheel = TimerWheel::with_capacity(3);
    let mut stale = Vec::new();
    for round in 0..1000u64 {
        let hs: Vec<_> = (0..3).map(|i| wheel.insert(round * 10 + i, i).unwrap()).collect();
        assert!(wheel.insert(round * 10, 9).is_err());
        for h in &stale {
            assert_eq!(wheel.cancel(*h), None);
        }
        assert_eq!(wheel.cancel(hs[1]), Some(1));
        assert_eq!(wheel.poll(round * 10 + 5), Some(0));
        assert_eq!(wheel.poll(round * 10 + 5), Some(2));
        assert!(wheel.is_empty());
        stale = hs;
    }
}
