//! Level boundaries, far-future (overflow) deadlines, and cascading.

use super::{drain_by_deadline, step_each_tick};
use crate::timer::TimerWheel;

const DELTAS: [u64; 18] = [
    1,
    2,
    63,
    64,
    65,
    127,
    128,
    4095,
    4096,
    4097,
    8191,
    8192,
    262_143,
    262_144,
    (1 << 24) - 1,
    1 << 24,
    (1 << 24) + 1,
    (1 << 36) - 1,
];
const STARTS: [u64; 9] = [0, 1, 63, 64, 100, 4095, 4096, (1 << 24) - 1, 123_456_789];

#[test]
fn every_level_boundary_fires_exactly_on_its_tick() {
    for start in STARTS {
        for delta in DELTAS {
            let mut wheel = TimerWheel::with_capacity(4);
            assert_eq!(wheel.poll(start), None);
            wheel.insert(start + delta, delta).unwrap();
            let next = wheel.next_deadline().unwrap();
            assert!(next > start && next <= start + delta, "start {start} delta {delta}: next {next}");
            assert_eq!(drain_by_deadline(&mut wheel), [(start + delta, delta)], "start {start} delta {delta}");
        }
    }
}

#[test]
fn boundaries_fire_exactly_when_stepped_tick_by_tick() {
    const STEPPED: [u64; 10] = [1, 63, 64, 65, 4095, 4096, 4097, 8191, 8192, 8193];
    for start in [0, 1, 63, 4095, 4096, 10_000] {
        let mut wheel = TimerWheel::with_capacity(16);
        wheel.poll(start);
        for delta in STEPPED {
            wheel.insert(start + delta, delta).unwrap();
        }
        let fired = step_each_tick(&mut wheel, start + 9000);
        let expected: Vec<(u64, u64)> = STEPPED.iter().map(|&d| (start + d, d)).collect();
        assert_eq!(fired, expected, "start {start}");
    }
}

#[test]
fn deadline_now_or_past_fires_on_next_poll() {
    let mut wheel = TimerWheel::with_capacity(4);
    wheel.poll(1000);
    wheel.insert(1000, "now").unwrap();
    wheel.insert(3, "past").unwrap();
    assert_eq!(wheel.next_deadline(), Some(1000));
    assert_eq!(wheel.poll(1000), Some("now"));
    assert_eq!(wheel.poll(1000), Some("past"));
    assert_eq!(wheel.poll(1000), None);
}

#[test]
fn far_future_deadlines_wait_in_overflow() {
    // One level: 64 ticks; everything further overflows.
    let mut wheel = TimerWheel::new(16, 64);
    let deadlines = [63, 64, 65, 100, 4096, 5000, 1 << 20, (1 << 40) + 3];
    for (i, &d) in deadlines.iter().enumerate().rev() {
        wheel.insert(d, i).unwrap();
    }
    let fired = drain_by_deadline(&mut wheel);
    let expected: Vec<(u64, usize)> = deadlines.iter().copied().zip(0..).collect();
    assert_eq!(fired, expected);
}

#[test]
fn overflow_of_the_default_wheel_reaches_the_end_of_time() {
    let mut wheel = TimerWheel::with_capacity(4);
    wheel.insert(u64::MAX, "end").unwrap();
    wheel.insert(1 << 37, "beyond 4096^3").unwrap();
    assert_eq!(drain_by_deadline(&mut wheel), [(1 << 37, "beyond 4096^3"), (u64::MAX, "end")]);
    let mut widest = TimerWheel::new(4, u64::MAX);
    widest.insert(u64::MAX - 1, 1).unwrap();
    widest.insert(1 << 61, 0).unwrap();
    assert_eq!(drain_by_deadline(&mut widest), [(1 << 61, 0), (u64::MAX - 1, 1)]);
}

#[test]
fn overflow_entries_come_in_range_while_others_stay() {
    let mut wheel = TimerWheel::new(16, 4096);
    wheel.insert(4096 * 3 + 5, 'c').unwrap();
    wheel.insert(4096 + 7, 'b').unwrap();
    wheel.insert(10, 'a').unwrap();
    let fired = step_each_tick(&mut wheel, 4096 * 4);
    assert_eq!(fired, [(10, 'a'), (4096 + 7, 'b'), (4096 * 3 + 5, 'c')]);
}

#[test]
fn advance_cascades_slot_by_slot_down_to_level_zero() {
    let mut wheel = TimerWheel::with_capacity(8);
    let d = (3 << 24) + 5 * 4096 + 9;
    wheel.insert(d, "deep").unwrap();
    wheel.insert(d + 1, "next").unwrap();
    // Each next_deadline is a slot start one level lower, then the deadline.
    let mut seen = Vec::new();
    while let Some(next) = wheel.next_deadline() {
        seen.push(next);
        if wheel.poll(next).is_some() {
            break;
        }
    }
    assert_eq!(seen, [3 << 24, (3 << 24) + 5 * 4096, d]);
    assert_eq!(wheel.next_deadline(), Some(d + 1));
    assert_eq!(wheel.poll(d + 1), Some("next"));
}

#[test]
fn a_big_jump_cascades_everything_due_in_order() {
    let mut wheel = TimerWheel::with_capacity(64);
    let deadlines = [1_000_000, 5, 4097, 64, 300_000, 63, 1 << 30];
    for &d in &deadlines {
        wheel.insert(d, d).unwrap();
    }
    let mut fired = Vec::new();
    while let Some(d) = wheel.poll(2_000_000) {
        fired.push(d);
    }
    assert_eq!(fired, [5, 63, 64, 4097, 300_000, 1_000_000]);
    assert_eq!(wheel.len(), 1);
    assert_eq!(drain_by_deadline(&mut wheel), [(1 << 30, 1 << 30)]);
}

#[test]
fn a_lone_timer_in_a_high_slot_reports_its_exact_deadline() {
    let mut wheel = TimerWheel::with_capacity(4);
    wheel.insert(300_007, "lone").unwrap();
    assert_eq!(wheel.next_deadline(), Some(300_007));
    assert_eq!(wheel.poll(300_006), None);
    assert_eq!(wheel.poll(300_007), Some("lone"));
    // Two in the slot: the slot start, then exact after moving down.
    wheel.insert(300_000 + 4096 * 2 + 1, "a").unwrap();
    wheel.insert(300_000 + 4096 * 2 + 2, "b").unwrap();
    assert_eq!(wheel.next_deadline(), Some(4096 * 75));
    assert_eq!(drain_by_deadline(&mut wheel), [(308_193, "a"), (308_194, "b")]);
}
