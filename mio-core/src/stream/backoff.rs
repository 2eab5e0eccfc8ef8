//! `Backoff`: how long a reconnecting client waits, capped, exponential and
//! jittered, and the small generator its jitter comes from.

use std::time::Duration;

/// How a [`Persistent`](super::Persistent) client waits between attempts: the `n`-th
/// consecutive failure waits a random time in `[d/2, d]`, where
/// `d = min(initial * 2^n, max)` ("equal jitter", so clients that lost the
/// same server do not come back in step). A connection that lasted at
/// least `max` resets `n` (the first retry after it waits about
/// `initial`); one that ended sooner counts as one more failure, so a
/// server that accepts and drops at once is retried ever more slowly.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::stream::Backoff;
///
/// let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
///     .connect_timeout(Duration::from_secs(2));
/// for random in [0, 1 << 40, u64::MAX] {
///     let first = b.delay(0, random);
///     assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
///     let late = b.delay(30, random);
///     assert!(late >= Duration::from_millis(2500) && late <= Duration::from_secs(5));
/// }
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    pub(super) max: Duration,
    pub(super) connect_timeout: Option<Duration>,
}

impl Default for Backoff {
    /// 100 ms doubling up to 30 s, each attempt given 10 s to connect.
    fn default() -> Backoff {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(30)).connect_timeout(Duration::from_secs(10))
    }
}

impl Backoff {
    /// Waits from `initial` up to `max` (the larger of the two), with no
    /// connect deadline.
    pub const fn new(initial: Duration, max: Duration) -> Backoff {
        let max = if max.as_nanos() < initial.as_nanos() { initial } else { max };
        Backoff { initial, max, connect_timeout: None }
    }

    /// Gives each attempt `timeout` to connect (see
    /// [`Outbound::deadline`](super::Outbound::deadline)).
    pub const fn connect_timeout(mut self, timeout: Duration) -> Backoff {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The wait after `failures` consecutive failures, jittered by
    /// `random`: in `[d/2, d]` with `d = min(initial * 2^failures, max)`.
    pub fn delay(&self, failures: u32, random: u64) -> Duration {
        let doubled = self.initial.saturating_mul(1u32 << failures.min(31));
        let cap = doubled.min(self.max);
        let half = cap / 2;
        let spread = (cap - half).as_nanos() as u64;
        half + Duration::from_nanos(random % spread.saturating_add(1))
    }
}

/// One step of xorshift64* (`state` must not be 0).
pub(super) fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[cfg(test)]
#[path = "backoff_tests.rs"]
mod tests;
