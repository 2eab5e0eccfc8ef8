//! Where time enters the loop: the OS clock, or a clock tests move by hand.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A clock that only moves when told to, for tests of timers without sleeping.
///
/// Clones share one time. Give a clone to
/// [`EventLoopConfig::clock`](crate::EventLoopConfig::clock) and keep one to
/// call [`advance`](ManualClock::advance).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::timer::ManualClock;
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_millis(250));
/// assert_eq!(clock.now() - start, Duration::from_millis(250));
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    origin: Instant,
    offset_ns: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock standing at the current OS time, which it then leaves.
    pub fn new() -> ManualClock {
        ManualClock { origin: Instant::now(), offset_ns: Arc::new(AtomicU64::new(0)) }
    }

    /// The clock's time.
    pub fn now(&self) -> Instant {
        self.origin + Duration::from_nanos(self.offset_ns.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by` (for every clone).
    pub fn advance(&self, by: Duration) {
        let ns = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset_ns.fetch_add(ns, Ordering::AcqRel);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

/// The loop's source of time.
#[derive(Clone, Debug, Default)]
pub(crate) enum Clock {
    /// `Instant::now()`.
    #[default]
    System,
    /// A test clock.
    Manual(ManualClock),
}

impl Clock {
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(c) => c.now(),
        }
    }
}
