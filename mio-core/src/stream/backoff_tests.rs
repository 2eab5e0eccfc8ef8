use std::time::Duration;

use super::{xorshift, Backoff};

const MS: Duration = Duration::from_millis(1);

#[test]
fn delays_double_from_initial_and_stop_at_the_cap() {
    let b = Backoff::new(10 * MS, 300 * MS);
    let mut random = 0x1234_5678_9abc_def1;
    for failures in 0..100 {
        let cap = (10 * MS * 2u32.pow(failures.min(20))).min(300 * MS);
        for _ in 0..50 {
            let d = b.delay(failures, xorshift(&mut random));
            assert!(d >= cap / 2 && d <= cap, "failures {failures}: {d:?} outside [{:?}, {cap:?}]", cap / 2);
        }
    }
}

#[test]
fn extreme_inputs_neither_overflow_nor_panic() {
    let b = Backoff::new(Duration::MAX, Duration::MAX);
    assert!(b.delay(u32::MAX, u64::MAX) >= Duration::MAX / 2);
    let zero = Backoff::new(Duration::ZERO, Duration::ZERO);
    assert_eq!(zero.delay(7, 99), Duration::ZERO);
    // A max below initial is raised to initial.
    assert_eq!(Backoff::new(5 * MS, MS).delay(0, 0), 5 * MS / 2);
}

#[test]
fn jitter_spreads_clients_that_failed_together() {
    let b = Backoff::new(100 * MS, 100 * MS);
    let mut random = 1;
    let mut buckets = [0u32; 10];
    for _ in 0..10_000 {
        let d = b.delay(0, xorshift(&mut random));
        let bucket = ((d - 50 * MS).as_micros() * 10 / 50_001) as usize;
        buckets[bucket] += 1;
    }
    // Each tenth of [50 ms, 100 ms] gets a fair share.
    assert!(buckets.iter().all(|&n| (700..1300).contains(&n)), "{buckets:?}");
}
