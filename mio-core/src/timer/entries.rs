//! The wheel's storage: a fixed-capacity slab of timer entries, threaded onto
//! intrusive doubly linked lists by `u32` index.
//!
//! Every entry is on exactly one list at a time: a wheel slot, the pending
//! list, the overflow list, or (when vacant) the free list. Lists are named by
//! a [`ListId`]; the wheel decides what each id means. Nothing here allocates
//! after [`Entries::new`]: the entry vector is reserved up front and only
//! grows (by `push`, within that reservation) until `capacity` entries exist.

/// "No entry": the end of a list.
pub(super) const NIL: u32 = u32::MAX;

/// Index of a list in [`Entries`]'s list table.
pub(super) type ListId = u16;

/// The `list` of a vacant entry (on the free list, which is singly linked).
const FREE: ListId = ListId::MAX;

/// One timer: its deadline, its links, and its payload.
#[derive(Debug)]
struct Entry<T> {
    deadline: u64,
    prev: u32,
    next: u32,
    /// Bumped each time the entry is freed, so stale handles miss.
    generation: u32,
    list: ListId,
    payload: Option<T>,
}

/// Head and tail of one intrusive list.
#[derive(Copy, Clone, Debug)]
struct List {
    head: u32,
    tail: u32,
}

const EMPTY: List = List { head: NIL, tail: NIL };

/// The entry slab plus the heads of every list threaded through it.
#[derive(Debug)]
pub(super) struct Entries<T> {
    entries: Vec<Entry<T>>,
    lists: Vec<List>,
    free_head: u32,
    capacity: u32,
    len: u32,
}

impl<T> Entries<T> {
    /// Room for `capacity` entries (clamped to `u32::MAX`) and `lists` lists,
    /// all allocated now.
    pub(super) fn new(capacity: usize, lists: usize) -> Self {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX);
        Entries {
            entries: Vec::with_capacity(capacity as usize),
            lists: vec![EMPTY; lists],
            free_head: NIL,
            capacity,
            len: 0,
        }
    }

    /// How many entries may be live at once.
    pub(super) fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// How many entries are live.
    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    /// Takes a vacant entry for `payload`, not yet on any list; hands the
    /// payload back when all `capacity` entries are live.
    pub(super) fn alloc(&mut self, deadline: u64, payload: T) -> Result<(u32, u32), T> {
        let index = if self.free_head != NIL {
            let index = self.free_head;
            let e = &mut self.entries[index as usize];
            self.free_head = e.next;
            e.deadline = deadline;
            e.payload = Some(payload);
            index
        } else if (self.entries.len() as u64) < u64::from(self.capacity) {
            let index = self.entries.len() as u32;
            // Within the capacity reserved in `new`: never reallocates.
            self.entries.push(Entry {
                deadline,
                prev: NIL,
                next: NIL,
                generation: 0,
                list: FREE,
                payload: Some(payload),
            });
            index
        } else {
            return Err(payload);
        };
        self.len += 1;
        Ok((index, self.entries[index as usize].generation))
    }

    /// Frees a live entry that is on no list, returning its payload.
    pub(super) fn free(&mut self, index: u32) -> Option<T> {
        let e = &mut self.entries[index as usize];
        let payload = e.payload.take();
        e.generation = e.generation.wrapping_add(1);
        e.list = FREE;
        e.prev = NIL;
        e.next = self.free_head;
        self.free_head = index;
        self.len -= 1;
        payload
    }

    /// The list a live entry is on, if `index` names a live entry of this
    /// `generation`.
    pub(super) fn live_list(&self, index: u32, generation: u32) -> Option<ListId> {
        let e = self.entries.get(index as usize)?;
        (e.generation == generation && e.list != FREE).then_some(e.list)
    }

    /// The deadline of entry `index`.
    #[inline]
    pub(super) fn deadline(&self, index: u32) -> u64 {
        self.entries[index as usize].deadline
    }

    /// The entry after `index` on its list (or on a list taken by [`take`](Self::take)).
    #[inline]
    pub(super) fn next(&self, index: u32) -> u32 {
        self.entries[index as usize].next
    }

    /// Whether `list` has no entries.
    #[inline]
    pub(super) fn is_empty(&self, list: ListId) -> bool {
        self.lists[list as usize].head == NIL
    }

    /// Appends entry `index` (on no list) to `list`.
    #[inline]
    pub(super) fn push_back(&mut self, list: ListId, index: u32) {
        let tail = self.lists[list as usize].tail;
        let e = &mut self.entries[index as usize];
        e.list = list;
        e.prev = tail;
        e.next = NIL;
        if tail == NIL {
            self.lists[list as usize].head = index;
        } else {
            self.entries[tail as usize].next = index;
        }
        self.lists[list as usize].tail = index;
    }

    /// Removes entry `index` from its list; returns that list.
    pub(super) fn unlink(&mut self, index: u32) -> ListId {
        let Entry { prev, next, list, .. } = self.entries[index as usize];
        if prev == NIL {
            self.lists[list as usize].head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NIL {
            self.lists[list as usize].tail = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
        list
    }

    /// Removes and returns the first entry of `list`.
    #[inline]
    pub(super) fn pop_front(&mut self, list: ListId) -> Option<u32> {
        let head = self.lists[list as usize].head;
        if head == NIL {
            return None;
        }
        self.unlink(head);
        Some(head)
    }

    /// Empties `list` at once and returns its old head. The detached entries
    /// stay chained by [`next`](Self::next) until each is pushed elsewhere,
    /// so read `next` before re-linking an entry.
    #[inline]
    pub(super) fn take(&mut self, list: ListId) -> u32 {
        std::mem::replace(&mut self.lists[list as usize], EMPTY).head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(e: &Entries<u32>, list: ListId) -> Vec<u32> {
        let mut out = Vec::new();
        let mut i = e.lists[list as usize].head;
        while i != NIL {
            out.push(*e.entries[i as usize].payload.as_ref().unwrap());
            i = e.next(i);
        }
        out
    }

    #[test]
    fn lists_link_unlink_and_pop_in_order() {
        let mut e = Entries::new(4, 2);
        let ids: Vec<u32> = (0..4).map(|p| e.alloc(0, p).unwrap().0).collect();
        for &i in &ids {
            e.push_back(0, i);
        }
        assert_eq!(order(&e, 0), [0, 1, 2, 3]);
        assert_eq!(e.unlink(ids[1]), 0);
        assert_eq!(e.unlink(ids[3]), 0);
        assert_eq!(order(&e, 0), [0, 2]);
        assert_eq!(e.pop_front(0), Some(ids[0]));
        assert_eq!(e.pop_front(0), Some(ids[2]));
        assert_eq!(e.pop_front(0), None);
        assert!(e.is_empty(0) && e.is_empty(1));
    }

    #[test]
    fn full_slab_hands_payload_back_and_reuse_bumps_generation() {
        let mut e = Entries::new(1, 1);
        let (i, g) = e.alloc(5, 1).unwrap();
        assert_eq!(e.alloc(6, 2), Err(2));
        e.push_back(0, i);
        assert_eq!(e.live_list(i, g), Some(0));
        e.unlink(i);
        assert_eq!(e.free(i), Some(1));
        assert_eq!(e.live_list(i, g), None);
        let (j, h) = e.alloc(7, 3).unwrap();
        assert_eq!((j, h), (i, g + 1));
        assert_eq!(e.len(), 1);
    }
}
