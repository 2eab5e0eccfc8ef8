//! Deadline order, and insertion order among timers due at the same tick.

use super::drain_by_deadline;
use crate::timer::TimerWheel;

#[test]
fn same_tick_fires_in_insertion_order_across_levels() {
    let d = 300_000;
    let mut wheel = TimerWheel::with_capacity(64);
    let mut next = 0;
    // Insert in batches from ever closer ticks, so the batches start out in
    // levels 3, 2, 1 and 0, and finally in the pending list.
    for now in [0, d - 5000, d - 100, d - 10] {
        assert_eq!(wheel.poll(now), None);
        for _ in 0..5 {
            wheel.insert(d, next).unwrap();
            next += 1;
        }
    }
    let mut order: Vec<u32> = (0..3).map(|_| wheel.poll(d).unwrap()).collect();
    for _ in 0..5 {
        wheel.insert(d, next).unwrap();
        next += 1;
    }
    order.extend(std::iter::from_fn(|| wheel.poll(d)));
    assert_eq!(order, (0..next).collect::<Vec<_>>());
}

#[test]
fn deadlines_fire_in_order_whatever_the_insertion_order() {
    let mut wheel = TimerWheel::with_capacity(512);
    let mut deadlines: Vec<u64> = (0..500).map(|i| (i * 7919) % 100_003).collect();
    for &d in &deadlines {
        wheel.insert(d, d).unwrap();
    }
    deadlines.sort_unstable();
    let fired: Vec<u64> = drain_by_deadline(&mut wheel)
        .into_iter()
        .map(|(tick, d)| {
            assert_eq!(tick, d);
            d
        })
        .collect();
    assert_eq!(fired, deadlines);
}

#[test]
fn a_crowded_slot_walked_as_sublists_keeps_same_tick_order() {
    // 2000 timers on 512 ticks of one level-2 slot, so moving it down a level
    // walks all its sublists side by side.
    let mut wheel = TimerWheel::with_capacity(2048);
    let mut expected: Vec<(u64, u32)> = (0..2000).map(|i| (4096 + (u64::from(i) * 37 % 512) * 8, i)).collect();
    for &(d, i) in &expected {
        wheel.insert(d, i).unwrap();
    }
    expected.sort_by_key(|&(d, _)| d); // stable: insertion order within a tick
    let fired: Vec<(u64, u32)> = drain_by_deadline(&mut wheel);
    assert_eq!(fired, expected);
}
