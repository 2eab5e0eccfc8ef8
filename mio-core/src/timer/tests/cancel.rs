//! Cancel in every level, in the pending list and in the overflow list.

use super::drain_by_deadline;
use crate::timer::TimerWheel;

#[test]
fn cancel_in_every_level_leaves_slot_neighbours_alone() {
    // Levels of 64 ticks' steps (as in a wheel of 64-slot levels), then of
    // 4096 (this wheel's levels 0, 1, 2, and the overflow list).
    let deadlines = (0..6).map(|l| (1u64 << (6 * l)) * 3 + 1).chain((1..4).map(|l| (1u64 << (12 * l)) * 3 + 1));
    for (level, d) in deadlines.enumerate() {
        let mut wheel = TimerWheel::with_capacity(8);
        let before = wheel.insert(d, "before").unwrap();
        let victim = wheel.insert(d, "victim").unwrap();
        let after = wheel.insert(d, "after").unwrap();
        assert_eq!(wheel.cancel(victim), Some("victim"), "level {level}");
        assert_eq!(wheel.cancel(victim), None);
        assert_eq!(wheel.len(), 2);
        assert_eq!(drain_by_deadline(&mut wheel), [(d, "before"), (d, "after")], "level {level}");
        assert_eq!(wheel.cancel(before), None);
        assert_eq!(wheel.cancel(after), None);
    }
}

#[test]
fn cancelling_the_only_entry_of_each_level_empties_the_wheel() {
    let mut wheel = TimerWheel::with_capacity(16);
    let handles: Vec<_> = (0..6u32).map(|l| wheel.insert((1u64 << (6 * l)) * 2, l).unwrap()).collect();
    let far: Vec<_> = (2..4u32).map(|l| wheel.insert((1u64 << (12 * l)) * 2, l).unwrap()).collect();
    for (l, h) in far.into_iter().enumerate() {
        assert_eq!(wheel.cancel(h), Some(l as u32 + 2));
    }
    for (l, h) in handles.into_iter().enumerate().rev() {
        assert_eq!(wheel.cancel(h), Some(l as u32));
    }
    assert!(wheel.is_empty());
    assert_eq!(wheel.next_deadline(), None);
    assert_eq!(wheel.poll(u64::MAX), None);
}

#[test]
fn cancel_after_cascade_and_in_pending_and_overflow() {
    let mut wheel = TimerWheel::new(8, 4096);
    let cascaded = wheel.insert(5000 + 64 * 3, "cascaded").unwrap();
    let overflow = wheel.insert(1 << 20, "overflow").unwrap();
    let kept = wheel.insert(5000 + 64 * 3 + 1, "kept").unwrap();
    wheel.poll(5000); // both move to a lower level
    assert_eq!(wheel.cancel(cascaded), Some("cascaded"));
    assert_eq!(wheel.cancel(overflow), Some("overflow"));
    wheel.insert(1, "pending").unwrap();
    let pending = wheel.insert(2, "pending too").unwrap();
    assert_eq!(wheel.cancel(pending), Some("pending too"));
    assert_eq!(wheel.poll(5000), Some("pending"));
    assert_eq!(drain_by_deadline(&mut wheel), [(5000 + 64 * 3 + 1, "kept")]);
    assert_eq!(wheel.cancel(kept), None);
}
