//! A fixed-capacity map from a registered fd to its position in the table.

use std::io;

use super::table::preallocate;

/// Maps fds to table positions with open addressing (linear probing,
/// backward-shift deletion), so lookups are O(1) and nothing grows: the slot
/// array is sized once, at twice the table's capacity or more, and a
/// registration beyond the table's capacity is refused before it gets here.
pub(super) struct FdIndex {
    /// `(fd + 1, position)`; a key of 0 marks an empty slot.
    slots: Vec<(u32, u32)>,
    /// `slots.len() - 1`; the length is a power of two.
    mask: usize,
    /// `64 - log2(slots.len())`, for Fibonacci hashing.
    shift: u32,
}

impl FdIndex {
    /// Room for `capacity` fds, at a load factor of at most one half.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` if the array cannot be allocated.
    pub(super) fn with_capacity(capacity: usize) -> io::Result<FdIndex> {
        let len = capacity.saturating_mul(2).max(8).next_power_of_two();
        let mut slots = preallocate(len)?;
        slots.resize(len, (0, 0));
        Ok(FdIndex { slots, mask: len - 1, shift: 64 - len.trailing_zeros() })
    }

    /// The position of `fd`, if it is in the index.
    pub(super) fn get(&self, fd: i32) -> Option<usize> {
        self.find(fd).map(|i| self.slots[i].1 as usize)
    }

    /// Sets the position of `fd`, adding it if absent. The caller keeps the
    /// number of fds within the capacity given at construction.
    pub(super) fn insert(&mut self, fd: i32, pos: usize) {
        let key = key_of(fd);
        let mut i = self.home(key);
        loop {
            let slot = &mut self.slots[i];
            if slot.0 == 0 || slot.0 == key {
                *slot = (key, pos as u32);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Removes `fd`, shifting back the entries that probed past it so no
    /// tombstone is left. Returns its position.
    pub(super) fn remove(&mut self, fd: i32) -> Option<usize> {
        let mut hole = self.find(fd)?;
        let pos = self.slots[hole].1 as usize;
        let mut next = hole;
        loop {
            next = (next + 1) & self.mask;
            let key = self.slots[next].0;
            if key == 0 {
                break;
            }
            // The entry at `next` may move into the hole only if its home is
            // not cyclically within (hole, next].
            let home = self.home(key);
            let stays = if hole <= next { hole < home && home <= next } else { hole < home || home <= next };
            if !stays {
                self.slots[hole] = self.slots[next];
                hole = next;
            }
        }
        self.slots[hole] = (0, 0);
        Some(pos)
    }

    fn find(&self, fd: i32) -> Option<usize> {
        if fd < 0 {
            return None;
        }
        let key = key_of(fd);
        let mut i = self.home(key);
        loop {
            match self.slots[i].0 {
                0 => return None,
                k if k == key => return Some(i),
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    fn home(&self, key: u32) -> usize {
        (u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }
}

fn key_of(fd: i32) -> u32 {
    debug_assert!(fd >= 0);
    fd as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::FdIndex;
    use std::collections::HashMap;

    #[test]
    fn matches_a_hash_map_under_churn() {
        let mut index = FdIndex::with_capacity(64).unwrap();
        let mut model = HashMap::new();
        let mut x = 12345u32;
        for round in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let fd = (x % 200) as i32;
            if model.contains_key(&fd) && x.is_multiple_of(3) {
                assert_eq!(index.remove(fd), model.remove(&fd));
            } else if model.len() < 64 || model.contains_key(&fd) {
                index.insert(fd, round);
                model.insert(fd, round);
            }
            for probe in [fd, (x % 7) as i32, 199] {
                assert_eq!(index.get(probe), model.get(&probe).copied());
            }
        }
        for (fd, pos) in &model {
            assert_eq!(index.get(*fd), Some(*pos));
        }
    }

    #[test]
    fn negative_fds_are_never_found() {
        let index = FdIndex::with_capacity(4).unwrap();
        assert_eq!(index.get(-1), None);
    }
}
