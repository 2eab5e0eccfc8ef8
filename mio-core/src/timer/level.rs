//! Level math of the hierarchical wheel, and each level's occupancy bitmap.
//!
//! Level `l` has 4096 slots of `4096^l` ticks each, so it spans `4096^(l+1)`
//! ticks. A deadline `d` seen from the wheel's current tick `e` (with `d > e`)
//! goes to the level of the highest bit in which `d` and `e` differ, 12 bits
//! per level, and to the slot given by `d`'s 12 bits at that level. So level
//! 0 holds deadlines in `e`'s block of 4096 ticks, level 1 those in `e`'s
//! block of `2^24` ticks but not in its block of 4096, and so on; every
//! occupied slot lies strictly after `e`'s own slot at that level, and the
//! lowest occupied level holds the earliest deadline.
//!
//! Levels are wide so that a timer moves down few times: with 1 ms ticks,
//! one set up to 4.6 hours ahead is moved once, from level 1 to level 0
//! (moving is the wheel's main cost with many timers: a cache miss per
//! entry). A level's 4096-bit bitmap has a summary word of its non-empty
//! words, so its first occupied slot is two `trailing_zeros` away.

/// Bits of a deadline consumed per level.
pub(super) const SLOT_BITS: u32 = 12;

/// Slots per level.
pub(super) const SLOTS: usize = 1 << SLOT_BITS;

/// Words of a level's bitmap.
const WORDS: usize = SLOTS / 64;

/// Most levels a wheel has: they cover `4096^5 = 2^60` ticks.
pub(super) const MAX_LEVELS: usize = 5;

/// The level that `deadline` belongs to, seen from tick `elapsed`
/// (`deadline > elapsed`). May be `>=` the wheel's level count: overflow.
#[inline]
pub(super) fn level_for(elapsed: u64, deadline: u64) -> usize {
    let masked = (elapsed ^ deadline) | (SLOTS as u64 - 1);
    let significant = 63 - masked.leading_zeros();
    (significant / SLOT_BITS) as usize
}

/// The slot of `deadline` in `level`.
#[inline]
pub(super) fn slot_for(level: usize, deadline: u64) -> usize {
    ((deadline >> (level as u32 * SLOT_BITS)) as usize) & (SLOTS - 1)
}

/// How many levels cover `horizon` ticks: the smallest `n >= 1` with
/// `4096^n >= horizon`, at most [`MAX_LEVELS`].
pub(super) fn levels_for_horizon(horizon: u64) -> usize {
    let mut levels = 1;
    while levels < MAX_LEVELS && (1u64 << (SLOT_BITS as usize * levels)) < horizon {
        levels += 1;
    }
    levels
}

/// The first tick of `tick`'s block of `2^bits` ticks.
#[inline]
pub(super) fn block_start(tick: u64, bits: u32) -> u64 {
    tick & !((1u64 << bits) - 1)
}

/// The earliest occupied slot of the wheel.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Expiration {
    pub(super) level: usize,
    pub(super) slot: usize,
    /// The first tick of that slot.
    pub(super) deadline: u64,
}

/// Occupancy bitmaps of every level: bit `s` of level `l`'s bitmap is set
/// while slot `s` of level `l` holds an entry; bit `w` of its summary while
/// word `w` of its bitmap is not zero.
#[derive(Debug)]
pub(super) struct Levels {
    occupied: [[u64; WORDS]; MAX_LEVELS],
    summary: [u64; MAX_LEVELS],
    count: usize,
}

impl Levels {
    /// `count` empty levels (`1..=MAX_LEVELS`).
    pub(super) fn new(count: usize) -> Levels {
        Levels { occupied: [[0; WORDS]; MAX_LEVELS], summary: [0; MAX_LEVELS], count: count.clamp(1, MAX_LEVELS) }
    }

    /// How many levels there are.
    #[inline]
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// Marks a slot occupied.
    #[inline]
    pub(super) fn set(&mut self, level: usize, slot: usize) {
        self.occupied[level][slot / 64] |= 1 << (slot % 64);
        self.summary[level] |= 1 << (slot / 64);
    }

    /// Marks a slot empty.
    #[inline]
    pub(super) fn clear(&mut self, level: usize, slot: usize) {
        let word = &mut self.occupied[level][slot / 64];
        *word &= !(1 << (slot % 64));
        if *word == 0 {
            self.summary[level] &= !(1 << (slot / 64));
        }
    }

    /// The earliest occupied slot seen from tick `elapsed`, in O(levels):
    /// the first occupied slot of the lowest occupied level.
    #[inline]
    pub(super) fn next_expiration(&self, elapsed: u64) -> Option<Expiration> {
        for level in 0..self.count {
            let summary = self.summary[level];
            if summary != 0 {
                let word = summary.trailing_zeros() as usize;
                let slot = word * 64 + self.occupied[level][word].trailing_zeros() as usize;
                let shift = level as u32 * SLOT_BITS;
                let start = block_start(elapsed, shift + SLOT_BITS);
                return Some(Expiration { level, slot, deadline: start + ((slot as u64) << shift) });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_is_the_highest_differing_digit() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 4095), 0);
        assert_eq!(level_for(0, 4096), 1);
        assert_eq!(level_for(0, (1 << 24) - 1), 1);
        assert_eq!(level_for(0, 1 << 24), 2);
        assert_eq!(level_for(4000, 4097), 1);
        assert_eq!(level_for(4096, 8191), 0);
        assert_eq!(level_for((1 << 24) - 1, 1 << 24), 2);
        assert_eq!(level_for(0, u64::MAX), 5);
    }

    #[test]
    fn slots_and_horizons() {
        assert_eq!(slot_for(0, 4097), 1);
        assert_eq!(slot_for(1, 4097), 1);
        assert_eq!(slot_for(1, (1 << 24) - 1), 4095);
        assert_eq!(slot_for(2, 1 << 24), 1);
        assert_eq!(levels_for_horizon(0), 1);
        assert_eq!(levels_for_horizon(4096), 1);
        assert_eq!(levels_for_horizon(4097), 2);
        assert_eq!(levels_for_horizon(1 << 36), 3);
        assert_eq!(levels_for_horizon(u64::MAX), MAX_LEVELS);
    }

    #[test]
    fn next_expiration_is_lowest_level_first_slot() {
        let mut levels = Levels::new(3);
        assert_eq!(levels.next_expiration(0), None);
        levels.set(2, 5);
        levels.set(1, 3000);
        levels.set(1, 70);
        assert_eq!(levels.next_expiration(100), Some(Expiration { level: 1, slot: 70, deadline: 70 * 4096 }));
        levels.clear(1, 70);
        assert_eq!(levels.next_expiration(100), Some(Expiration { level: 1, slot: 3000, deadline: 3000 * 4096 }));
        levels.clear(1, 3000);
        assert_eq!(levels.next_expiration(100), Some(Expiration { level: 2, slot: 5, deadline: 5 << 24 }));
        levels.clear(2, 5);
        assert_eq!(levels.next_expiration(100), None);
    }

    #[test]
    fn summary_tracks_words_sharing_slots() {
        let mut levels = Levels::new(1);
        levels.set(0, 130);
        levels.set(0, 131);
        levels.clear(0, 130);
        assert_eq!(levels.next_expiration(0).map(|e| e.slot), Some(131));
        levels.set(0, 4095);
        levels.clear(0, 131);
        assert_eq!(levels.next_expiration(0).map(|e| e.slot), Some(4095));
        levels.clear(0, 4095);
        assert_eq!(levels.next_expiration(0), None);
    }
}
