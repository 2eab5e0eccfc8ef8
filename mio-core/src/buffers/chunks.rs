//! Fixed-size IO chunks carved from one allocation.

/// No chunk: the view is empty.
pub(crate) const NO_CHUNK: u32 = u32::MAX;

/// An owner value no machine token takes: a free chunk.
const FREE: u32 = u32::MAX;

/// Fixed-size chunks carved from one allocation made at construction. A
/// connection takes a chunk only while it holds partial data, so idle
/// connections cost nothing; `take` and `give` never allocate.
#[derive(Debug)]
pub(crate) struct Chunks {
    mem: Vec<u8>,
    size: usize,
    free: Vec<u32>,
    /// The token holding each chunk, or `FREE`.
    owner: Vec<u32>,
}

impl Chunks {
    /// `count` chunks of `size` bytes. The memory is zeroed lazily by the OS,
    /// so untouched chunks cost no resident memory.
    pub(crate) fn new(size: usize, count: usize) -> Chunks {
        let count = count.min(NO_CHUNK as usize);
        Chunks { mem: vec![0; size * count], size, free: (0..count as u32).rev().collect(), owner: vec![FREE; count] }
    }

    /// How many chunks are free.
    pub(crate) fn free(&self) -> usize {
        self.free.len()
    }

    /// How many chunks there are.
    pub(crate) fn count(&self) -> usize {
        self.owner.len()
    }

    /// A free chunk for `owner`, or `None` when all are taken.
    #[inline]
    pub(crate) fn take(&mut self, owner: u32) -> Option<u32> {
        let chunk = self.free.pop()?;
        self.owner[chunk as usize] = owner;
        Some(chunk)
    }

    /// Returns a chunk.
    #[inline]
    pub(crate) fn give(&mut self, chunk: u32) {
        debug_assert!(self.owner[chunk as usize] != FREE, "chunk {chunk} given back twice");
        self.owner[chunk as usize] = FREE;
        // Never allocates: `free` was built with room for every chunk.
        self.free.push(chunk);
    }

    /// Gives back every chunk `owner` holds; how many.
    pub(crate) fn reclaim(&mut self, owner: u32) -> usize {
        let mut n = 0;
        for chunk in 0..self.owner.len() {
            if self.owner[chunk] == owner {
                self.give(chunk as u32);
                n += 1;
            }
        }
        n
    }

    /// Whether `owner` holds a chunk.
    pub(crate) fn holds_any(&self, owner: u32) -> bool {
        self.owner.contains(&owner)
    }

    /// Disjoint views of two chunks (`NO_CHUNK` gives an empty view).
    #[inline]
    pub(crate) fn pair_mut(&mut self, a: u32, b: u32) -> (&mut [u8], &mut [u8]) {
        debug_assert!(a == NO_CHUNK || a != b);
        let size = self.size;
        match (a, b) {
            (NO_CHUNK, NO_CHUNK) => (&mut [], &mut []),
            (NO_CHUNK, b) => (&mut [], self.chunk_mut(b)),
            (a, NO_CHUNK) => (self.chunk_mut(a), &mut []),
            (a, b) => {
                let (lo, hi) = (a.min(b) as usize * size, a.max(b) as usize * size);
                let (low, high) = self.mem.split_at_mut(hi);
                let (low, high) = (&mut low[lo..lo + size], &mut high[..size]);
                if a < b {
                    (low, high)
                } else {
                    (high, low)
                }
            }
        }
    }

    fn chunk_mut(&mut self, c: u32) -> &mut [u8] {
        let start = c as usize * self.size;
        &mut self.mem[start..start + self.size]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_give_and_disjoint_views() {
        let mut pool = Chunks::new(8, 3);
        let a = pool.take(1).unwrap();
        let b = pool.take(1).unwrap();
        let c = pool.take(2).unwrap();
        assert!(pool.take(1).is_none());
        {
            let (x, y) = pool.pair_mut(c, a);
            x.fill(1);
            y.fill(2);
        }
        let (x, y) = pool.pair_mut(a, c);
        assert_eq!((x[0], y[0]), (2, 1));
        assert_eq!(pool.pair_mut(NO_CHUNK, b).0.len(), 0);
        pool.give(b);
        assert_eq!(pool.take(1), Some(b));
    }

    #[test]
    fn reclaim_gives_back_only_the_owners_chunks() {
        let mut pool = Chunks::new(8, 4);
        let _a = pool.take(7).unwrap();
        let _b = pool.take(9).unwrap();
        let _c = pool.take(7).unwrap();
        assert!(pool.holds_any(7));
        assert_eq!(pool.reclaim(7), 2);
        assert!(!pool.holds_any(7) && pool.holds_any(9));
        assert_eq!(pool.free(), 3);
    }
}
