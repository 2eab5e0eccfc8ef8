//! The loop's pool of fixed-size IO buffers.

/// Fixed-size chunks carved from one allocation made at construction. A
/// connection takes a chunk only while it holds partial data, so idle
/// connections cost nothing; `take` and `give` never allocate.
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    mem: Vec<u8>,
    chunk: usize,
    free: Vec<u32>,
}

/// No chunk: the view is empty.
pub(crate) const NO_CHUNK: u32 = u32::MAX;

impl BufferPool {
    /// `count` chunks of `chunk` bytes. The memory is zeroed lazily by the OS,
    /// so untouched chunks cost no resident memory.
    pub(crate) fn new(chunk: usize, count: usize) -> BufferPool {
        let count = count.min(NO_CHUNK as usize);
        BufferPool { mem: vec![0; chunk * count], chunk, free: (0..count as u32).rev().collect() }
    }

    pub(crate) fn chunk_size(&self) -> usize {
        self.chunk
    }

    /// A free chunk, or `None` when all are taken.
    pub(crate) fn take(&mut self) -> Option<u32> {
        self.free.pop()
    }

    /// Returns a chunk.
    pub(crate) fn give(&mut self, chunk: u32) {
        debug_assert!(chunk != NO_CHUNK && !self.free.contains(&chunk));
        self.free.push(chunk);
    }

    /// Disjoint views of two chunks (`NO_CHUNK` gives an empty view).
    pub(crate) fn pair_mut(&mut self, a: u32, b: u32) -> (&mut [u8], &mut [u8]) {
        debug_assert!(a == NO_CHUNK || a != b);
        let size = self.chunk;
        let range = |c: u32| c as usize * size..(c as usize + 1) * size;
        match (a, b) {
            (NO_CHUNK, NO_CHUNK) => (&mut [], &mut []),
            (NO_CHUNK, b) => (&mut [], &mut self.mem[range(b)]),
            (a, NO_CHUNK) => (&mut self.mem[range(a)], &mut []),
            (a, b) if a < b => {
                let (lo, hi) = self.mem.split_at_mut(range(b).start);
                (&mut lo[range(a)], &mut hi[..size])
            }
            (a, b) => {
                let (lo, hi) = self.mem.split_at_mut(range(a).start);
                (&mut hi[..size], &mut lo[range(b)])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_give_and_disjoint_views() {
        let mut pool = BufferPool::new(8, 3);
        let a = pool.take().unwrap();
        let b = pool.take().unwrap();
        let c = pool.take().unwrap();
        assert!(pool.take().is_none());
        {
            let (x, y) = pool.pair_mut(c, a);
            x.fill(1);
            y.fill(2);
        }
        let (x, y) = pool.pair_mut(a, c);
        assert_eq!((x[0], y[0]), (2, 1));
        assert_eq!(pool.pair_mut(NO_CHUNK, b).0.len(), 0);
        pool.give(b);
        assert_eq!(pool.take(), Some(b));
    }
}
