//! Property-style runs against a model: many random deadlines, inserts and
//! cancels at random ticks; every timer fires in (deadline, insertion) order,
//! never early, and exactly at its tick when the wheel is polled each tick or
//! at each `next_deadline`.

use std::collections::BTreeMap;

use super::Prng;
use crate::timer::{Timeout, TimerWheel};

/// How the test moves time.
#[derive(Copy, Clone, Debug)]
enum Drive {
    /// One tick at a time: everything fires exactly on its tick.
    EachTick,
    /// To each `next_deadline`: still exact.
    NextDeadline,
    /// Random jumps: late, but never early and still in order.
    Jumps,
}

/// The model: pending timers by (effective deadline, insertion number),
/// where the effective deadline is the wheel's tick if the deadline was
/// already due at insertion (such a timer fires on the next poll, so it may
/// fire a tick after that).
type Model = BTreeMap<(u64, u64), (Timeout, u64, bool)>;

fn random_deadline(rng: &mut Prng, now: u64) -> u64 {
    match rng.below(10) {
        0 => now.saturating_sub(rng.below(3)),
        1..=4 => now + rng.below(200),
        5..=7 => now + rng.below(20_000),
        8 => now + rng.below(1 << 22),
        _ => now + rng.below(1 << 40),
    }
}

fn run(seed: u64, drive: Drive, horizon: u64) {
    let mut rng = Prng::new(seed);
    let mut wheel = TimerWheel::new(256, horizon);
    let mut model = Model::new();
    let mut seq = 0u64;
    let mut now = 0u64;
    let mut fired = 0;
    for _ in 0..3000 {
        // Set or cancel a few timers at the current tick.
        for _ in 0..rng.below(4) {
            if rng.below(4) == 0 && !model.is_empty() {
                let k = *model.keys().nth(rng.below(model.len() as u64) as usize).unwrap();
                let (handle, id, _) = model.remove(&k).unwrap();
                assert_eq!(wheel.cancel(handle), Some(id));
                assert_eq!(wheel.cancel(handle), None);
            } else if wheel.len() < wheel.capacity() {
                let d = random_deadline(&mut rng, now);
                let handle = wheel.insert(d, seq).unwrap();
                let due = d <= wheel.elapsed();
                model.insert((d.max(wheel.elapsed()), seq), (handle, seq, due));
                seq += 1;
            }
        }
        assert_eq!(wheel.len(), model.len());
        // Move time.
        let earliest = model.keys().next().map(|k| k.0);
        match wheel.next_deadline() {
            None => assert_eq!(earliest, None),
            Some(next) => assert!(next <= earliest.unwrap(), "next_deadline {next} after {earliest:?}"),
        }
        now = match drive {
            Drive::EachTick => now + 1,
            Drive::NextDeadline => wheel.next_deadline().unwrap_or(now + 1).max(now),
            Drive::Jumps => {
                let bits = rng.below(24) as u32;
                now + rng.below(1 << bits)
            }
        };
        // Fire what is due, checking it against the model.
        while let Some(id) = wheel.poll(now) {
            let (&(deadline, _), &(_, expected, was_due)) = model.iter().next().expect("fired with nothing pending");
            assert_eq!(id, expected, "seed {seed} {drive:?}: out of order at tick {now}");
            assert!(deadline <= now, "seed {seed} {drive:?}: {id} fired early at {now}, due {deadline}");
            if !matches!(drive, Drive::Jumps) && !was_due {
                assert_eq!(deadline, now, "seed {seed} {drive:?}: {id} fired late");
            }
            model.pop_first();
            fired += 1;
        }
        if let Some((&(deadline, _), _)) = model.iter().next() {
            assert!(deadline > now, "seed {seed} {drive:?}: due at {deadline} but not fired at {now}");
        }
    }
    assert!(fired > 100, "seed {seed} {drive:?}: only {fired} fired");
}

#[test]
fn random_timers_fire_exactly_on_time_when_polled_each_tick() {
    for seed in 0..8 {
        run(seed, Drive::EachTick, 1 << 36);
    }
}

#[test]
fn random_timers_fire_exactly_on_time_when_polled_at_next_deadline() {
    for seed in 0..8 {
        run(seed, Drive::NextDeadline, 1 << 36);
        run(seed, Drive::NextDeadline, 4096);
    }
}

#[test]
fn random_timers_never_fire_early_under_random_jumps() {
    for seed in 0..8 {
        run(seed, Drive::Jumps, 1 << 36);
        run(seed, Drive::Jumps, 64);
    }
}
