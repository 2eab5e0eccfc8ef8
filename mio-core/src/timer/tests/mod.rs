//! Unit tests of the timer wheel, one behaviour per file.

mod boundaries;
mod cancel;
mod capacity;
mod drops;
mod ordering;
mod random;

use super::TimerWheel;

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
pub(super) struct Prng(u64);

impl Prng {
    pub(super) fn new(seed: u64) -> Prng {
        Prng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Drives `wheel` from its current tick by jumping to each `next_deadline`
/// (as the event loop does) and returns `(tick fired at, payload)` for every
/// timer, checking on the way that nothing is due before the reported
/// deadline.
pub(super) fn drain_by_deadline<T>(wheel: &mut TimerWheel<T>) -> Vec<(u64, T)> {
    let mut fired = Vec::new();
    while let Some(next) = wheel.next_deadline() {
        assert!(next >= wheel.elapsed(), "next_deadline {next} is before the current tick {}", wheel.elapsed());
        if next > wheel.elapsed() {
            assert!(wheel.poll(next - 1).is_none(), "a timer was due before next_deadline {next}");
        }
        while let Some(p) = wheel.poll(next) {
            fired.push((next, p));
        }
    }
    assert!(wheel.is_empty());
    fired
}

/// Steps `wheel` one tick at a time up to `until`, returning what fired when.
pub(super) fn step_each_tick<T>(wheel: &mut TimerWheel<T>, until: u64) -> Vec<(u64, T)> {
    let mut fired = Vec::new();
    let mut tick = wheel.elapsed();
    loop {
        while let Some(p) = wheel.poll(tick) {
            fired.push((tick, p));
        }
        if tick >= until {
            return fired;
        }
        tick += 1;
    }
}
