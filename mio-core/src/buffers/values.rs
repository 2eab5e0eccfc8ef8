//! Queued output values: shared bytes a connection writes after what it has
//! buffered, without copying them into a chunk.

use std::io::IoSlice;

use bytes::{Buf, Bytes};

/// No entry: the end of a queue.
pub(crate) const NO_ENTRY: u32 = u32::MAX;

/// An owner value no machine token takes: a free entry.
const FREE: u32 = u32::MAX;

/// The most values one connection may queue (so a write gathers at most
/// `2 * MAX + 1` slices: buffered bytes around each value).
pub(crate) const MAX_PER_CONNECTION: usize = 16;

/// The most slices one gathered write takes.
pub(crate) const MAX_SLICES: usize = 2 * MAX_PER_CONNECTION + 1;

#[derive(Debug)]
struct Entry {
    /// The rest of the value to write (`Bytes::new()`, which holds nothing,
    /// when free).
    value: Bytes,
    /// Buffered output bytes written before this value: counted from the
    /// end of the previous entry, so compacting the buffer changes nothing.
    before: u32,
    next: u32,
    owner: u32,
}

/// A connection's queue of values: the index of its first entry (4 bytes:
/// a connection's bookkeeping stays within a cache line; the length, at
/// most 16, is counted when needed).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct QueueHead {
    pub(crate) first: u32,
}

impl QueueHead {
    pub(crate) const EMPTY: QueueHead = QueueHead { first: NO_ENTRY };

    #[inline]
    pub(crate) fn is_empty(self) -> bool {
        self.first == NO_ENTRY
    }
}

/// The loop's table of queue entries, preallocated; queues are linked
/// through it by index.
#[derive(Debug)]
pub(crate) struct Values {
    entries: Vec<Entry>,
    free: Vec<u32>,
    per_connection: u8,
}

impl Values {
    /// `count` entries, at most `per_connection` (clamped to 1..=16) in one
    /// queue.
    pub(crate) fn new(count: usize, per_connection: usize) -> Values {
        let count = count.min(NO_ENTRY as usize - 1);
        let entries =
            (0..count).map(|_| Entry { value: Bytes::new(), before: 0, next: NO_ENTRY, owner: FREE }).collect();
        let per_connection = per_connection.clamp(1, MAX_PER_CONNECTION) as u8;
        Values { entries, free: (0..count as u32).rev().collect(), per_connection }
    }

    /// How many entries are free.
    pub(crate) fn free(&self) -> usize {
        self.free.len()
    }

    /// How many entries there are.
    pub(crate) fn count(&self) -> usize {
        self.entries.len()
    }

    /// Appends `value` to `queue`, to be written once `buffered` bytes of
    /// output (all that is buffered now) are. Hands the value back when the
    /// queue is at its bound or the table is full.
    pub(crate) fn push(
        &mut self,
        queue: &mut QueueHead,
        owner: u32,
        value: Bytes,
        buffered: usize,
    ) -> Result<(), Bytes> {
        let mut before = buffered;
        let mut last = NO_ENTRY;
        let mut len = 0;
        let mut at = queue.first;
        while at != NO_ENTRY {
            let entry = &self.entries[at as usize];
            before -= entry.before as usize;
            last = at;
            len += 1;
            at = entry.next;
        }
        if len >= self.per_connection {
            return Err(value);
        }
        let Some(new) = self.free.pop() else { return Err(value) };
        self.entries[new as usize] = Entry { value, before: before as u32, next: NO_ENTRY, owner };
        match last {
            NO_ENTRY => queue.first = new,
            last => self.entries[last as usize].next = new,
        }
        Ok(())
    }

    /// How many values `queue` holds.
    pub(crate) fn len(&self, queue: QueueHead) -> usize {
        let mut len = 0;
        let mut at = queue.first;
        while at != NO_ENTRY {
            len += 1;
            at = self.entries[at as usize].next;
        }
        len
    }

    /// Bytes of the queued values not yet written.
    pub(crate) fn queued_bytes(&self, queue: QueueHead) -> usize {
        let mut total = 0;
        let mut at = queue.first;
        while at != NO_ENTRY {
            let entry = &self.entries[at as usize];
            total += entry.value.len();
            at = entry.next;
        }
        total
    }

    /// The slices of one gathered write: buffered bytes up to each value,
    /// the value, and the buffered bytes after the last. Returns how many
    /// slices of `out` it filled.
    pub(crate) fn gather<'a>(
        &'a self,
        queue: QueueHead,
        buffered: &'a [u8],
        out: &mut [IoSlice<'a>; MAX_SLICES],
    ) -> usize {
        let mut n = 0;
        let mut rest = buffered;
        let mut at = queue.first;
        while at != NO_ENTRY {
            let entry = &self.entries[at as usize];
            let (head, tail) = rest.split_at(entry.before as usize);
            if !head.is_empty() {
                out[n] = IoSlice::new(head);
                n += 1;
            }
            out[n] = IoSlice::new(&entry.value);
            n += 1;
            rest = tail;
            at = entry.next;
        }
        if !rest.is_empty() {
            out[n] = IoSlice::new(rest);
            n += 1;
        }
        n
    }

    /// Accounts for `written` bytes of a gathered write: drops the values
    /// written whole, advances a value written in part. Returns how many
    /// buffered bytes were written.
    pub(crate) fn consume(&mut self, queue: &mut QueueHead, mut written: usize) -> usize {
        let mut from_buffer = 0;
        while queue.first != NO_ENTRY && written > 0 {
            let first = queue.first;
            let entry = &mut self.entries[first as usize];
            let head = written.min(entry.before as usize);
            entry.before -= head as u32;
            from_buffer += head;
            written -= head;
            let body = written.min(entry.value.len());
            entry.value.advance(body);
            written -= body;
            if entry.before == 0 && entry.value.is_empty() {
                queue.first = entry.next;
                self.release(first);
            }
        }
        // Values written whole at the front, with nothing buffered before
        // them (an empty value, say), are done too.
        while queue.first != NO_ENTRY {
            let entry = &self.entries[queue.first as usize];
            if entry.before != 0 || !entry.value.is_empty() {
                break;
            }
            let first = queue.first;
            queue.first = entry.next;
            self.release(first);
        }
        from_buffer + written
    }

    /// Drops every value of `queue`.
    pub(crate) fn clear(&mut self, queue: &mut QueueHead) {
        while queue.first != NO_ENTRY {
            let first = queue.first;
            queue.first = self.entries[first as usize].next;
            self.release(first);
        }
        *queue = QueueHead::EMPTY;
    }

    /// Gives back every entry `owner` holds; how many.
    pub(crate) fn reclaim(&mut self, owner: u32) -> usize {
        let mut n = 0;
        for at in 0..self.entries.len() {
            if self.entries[at].owner == owner {
                self.release(at as u32);
                n += 1;
            }
        }
        n
    }

    /// Whether `owner` holds an entry.
    pub(crate) fn holds_any(&self, owner: u32) -> bool {
        self.entries.iter().any(|e| e.owner == owner)
    }

    fn release(&mut self, at: u32) {
        let entry = &mut self.entries[at as usize];
        debug_assert!(entry.owner != FREE, "queue entry {at} released twice");
        entry.value = Bytes::new();
        entry.owner = FREE;
        entry.next = NO_ENTRY;
        // Never allocates: `free` was built with room for every entry.
        self.free.push(at);
    }
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
