//! A fixed-size latency histogram: log-linear buckets (64 per power of
//! two, so a quantile is within 1.6% of the true value), allocated once.

use std::time::Duration;

/// Sub-buckets per power of two: 2^SUB_BITS.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Nanoseconds up to 2^40 (about 18 minutes) are told apart; longer ones
/// land in the last bucket.
const MAX_BITS: u32 = 40;
const BUCKETS: usize = ((MAX_BITS - SUB_BITS + 1) as u64 * SUB) as usize;

/// Counts of latencies by bucket.
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    total: u64,
}

impl Histogram {
    /// An empty histogram (its one allocation).
    pub fn new() -> Histogram {
        Histogram { counts: Box::new([0; BUCKETS]), total: 0 }
    }

    /// Counts one latency.
    #[inline]
    pub fn record(&mut self, latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket_of(ns)] += 1;
        self.total += 1;
    }

    /// The latency below which `q` (0..=1) of the counted ones fall: the
    /// middle of its bucket. Zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Duration::from_nanos(middle_of(bucket));
            }
        }
        Duration::from_nanos(middle_of(BUCKETS - 1))
    }
}

/// Values below `SUB` have a bucket each; above, the top `SUB_BITS + 1`
/// bits pick it.
fn bucket_of(ns: u64) -> usize {
    if ns < SUB {
        return ns as usize;
    }
    let top = 63 - ns.leading_zeros(); // >= SUB_BITS
    let shift = top - SUB_BITS;
    let index = (shift as u64 + 1) * SUB + ((ns >> shift) & (SUB - 1));
    (index as usize).min(BUCKETS - 1)
}

/// The middle of bucket `bucket`'s range.
fn middle_of(bucket: usize) -> u64 {
    let bucket = bucket as u64;
    if bucket < SUB {
        return bucket;
    }
    let shift = bucket / SUB - 1;
    let low = (SUB + bucket % SUB) << shift;
    low + (1u64 << shift) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for ns in (0..1_000_000u64).step_by(7).chain([u64::MAX / 2, u64::MAX]) {
            let b = bucket_of(ns);
            assert!(b >= last, "{ns}");
            last = b;
            if ns < 1 << MAX_BITS {
                let mid = middle_of(b);
                assert!(mid.abs_diff(ns) as f64 <= ns as f64 / SUB as f64 + 1.0, "{ns} -> {mid}");
            }
        }
    }

    #[test]
    fn quantiles_of_a_uniform_spread() {
        let mut h = Histogram::new();
        for us in 1..=1000u64 {
            h.record(Duration::from_micros(us));
        }
        let p50 = h.quantile(0.5).as_micros() as f64;
        let p99 = h.quantile(0.99).as_micros() as f64;
        assert!((p50 - 500.0).abs() <= 10.0, "{p50}");
        assert!((p99 - 990.0).abs() <= 18.0, "{p99}");
        assert_eq!(h.total, 1000);
        assert_eq!(Histogram::new().quantile(0.5), Duration::ZERO);
    }
}
