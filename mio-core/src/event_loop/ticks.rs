//! Conversion between `Instant`s and the wheel's integer ticks.

use std::time::{Duration, Instant};

/// Tick `n` starts at `origin + n * tick`.
#[derive(Debug)]
pub(crate) struct Ticks {
    origin: Instant,
    tick_ns: u64,
}

impl Ticks {
    pub(crate) fn new(origin: Instant, tick: Duration) -> Ticks {
        Ticks { origin, tick_ns: u64::try_from(tick.as_nanos()).unwrap_or(u64::MAX).max(1) }
    }

    /// The first tick at or after `at`: firing then is never early.
    pub(crate) fn deadline_tick(&self, at: Instant) -> u64 {
        let ns = at.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(ns.div_ceil(u128::from(self.tick_ns))).unwrap_or(u64::MAX)
    }

    /// The tick `now` falls in.
    pub(crate) fn now_tick(&self, now: Instant) -> u64 {
        let ns = now.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(ns / u128::from(self.tick_ns)).unwrap_or(u64::MAX)
    }

    /// When tick `tick` starts.
    pub(crate) fn instant_of(&self, tick: u64) -> Instant {
        let ns = u128::from(tick) * u128::from(self.tick_ns);
        let d = Duration::new((ns / 1_000_000_000) as u64, (ns % 1_000_000_000) as u32);
        self.origin.checked_add(d).unwrap_or(self.origin + Duration::from_secs(86_400 * 365 * 100))
    }
}
