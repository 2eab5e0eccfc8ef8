//! The wheel's storage: a fixed-capacity slab of timer entries, threaded onto
//! intrusive doubly linked lists by `u32` index.
//!
//! Every live entry is on exactly one list: a wheel slot, the pending list or
//! the overflow list; vacant entries are on the free list. Lists are named by
//! a [`ListId`] that the wheel gives meaning to. An entry records its list
//! (the wheel could compute it from the deadline, but reading it is cheaper,
//! and with many timers a cancel's cost is mostly how many other cancels the
//! CPU can overlap with it: fewer instructions, more overlap).
//!
//! An entry keeps its deadline, links, generation and payload together: with
//! many timers, advancing the wheel is bound by cache misses on entries, and
//! an entry moved down to level 0 is then fired from the same cache line.
//!
//! Nothing here allocates after [`Entries::new`], which also writes every
//! entry (vacant, on the free list): the memory is really there from the
//! start, so the first timers set in it take no page faults either.

/// "No entry": the end of a list.
pub(super) const NIL: u32 = u32::MAX;

/// Index of a list in [`Entries`]'s list table.
pub(super) type ListId = u32;

/// One timer; `payload` is `Some` exactly while it is live. Aligned so that
/// a small entry never straddles two cache lines (a cache miss each).
#[derive(Debug)]
#[repr(align(32))]
struct Node<T> {
    deadline: u64,
    prev: u32,
    /// The next entry of its list, or of the free list when vacant.
    next: u32,
    /// Bumped each time the entry is freed, so stale handles miss.
    generation: u32,
    /// The list it is on (meaningless while vacant).
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
    nodes: Vec<Node<T>>,
    lists: Vec<List>,
    free_head: u32,
    capacity: u32,
    len: u32,
}

impl<T> Entries<T> {
    /// Room for `capacity` entries (clamped to `u32::MAX`) and `lists` lists,
    /// all allocated (and written) now.
    pub(super) fn new(capacity: usize, lists: usize) -> Self {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX);
        let vacant = |i: u32| Node {
            deadline: 0,
            prev: NIL,
            next: i.checked_add(1).filter(|&n| n < capacity).unwrap_or(NIL),
            generation: 0,
            list: ListId::MAX,
            payload: None,
        };
        // Huge pages before the first write: a big slab is touched at random
        // (cancels, slot appends), and with 4 KiB pages most of those touches
        // also miss the TLB.
        let mut nodes = Vec::with_capacity(capacity as usize);
        crate::sys::advise_huge_pages(&nodes);
        nodes.extend((0..capacity).map(vacant));
        Entries { nodes, lists: vec![EMPTY; lists], free_head: if capacity > 0 { 0 } else { NIL }, capacity, len: 0 }
    }

    /// How many entries may be live at once.
    pub(super) fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// How many entries are live.
    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    /// Takes a vacant entry for `payload`, not yet on any list, and returns
    /// its index and generation; hands the payload back when all `capacity`
    /// entries are live.
    #[inline]
    pub(super) fn alloc(&mut self, deadline: u64, payload: T) -> Result<(u32, u32), T> {
        if self.free_head == NIL {
            return Err(payload);
        }
        let index = self.free_head;
        let node = &mut self.nodes[index as usize];
        self.free_head = node.next;
        node.deadline = deadline;
        node.payload = Some(payload);
        self.len += 1;
        Ok((index, node.generation))
    }

    /// Frees a live entry that is on no list, returning its payload.
    #[inline]
    pub(super) fn free(&mut self, index: u32) -> Option<T> {
        let node = &mut self.nodes[index as usize];
        let payload = node.payload.take();
        node.generation = node.generation.wrapping_add(1);
        node.next = self.free_head;
        self.free_head = index;
        self.len -= 1;
        payload
    }

    /// Whether `index` names a live entry of this `generation`.
    #[inline]
    pub(super) fn is_live(&self, index: u32, generation: u32) -> bool {
        self.nodes.get(index as usize).is_some_and(|n| n.generation == generation && n.payload.is_some())
    }

    /// Starts loading entry `index` into the cache, for a walk that reads it
    /// a little later.
    #[inline]
    pub(super) fn prefetch(&self, index: u32) {
        if let Some(node) = self.nodes.get(index as usize) {
            crate::sys::prefetch(node);
        }
    }

    /// The deadline of entry `index`.
    #[inline]
    pub(super) fn deadline(&self, index: u32) -> u64 {
        self.nodes[index as usize].deadline
    }

    /// The entry after `index` on its list (or on a list taken by [`take`](Self::take)).
    #[inline]
    pub(super) fn next(&self, index: u32) -> u32 {
        self.nodes[index as usize].next
    }

    /// Whether `list` has no entries.
    #[inline]
    pub(super) fn is_empty(&self, list: ListId) -> bool {
        self.lists[list as usize].head == NIL
    }

    /// The entry of `list` if it holds exactly one.
    #[inline]
    pub(super) fn only(&self, list: ListId) -> Option<u32> {
        let List { head, tail } = self.lists[list as usize];
        (head != NIL && head == tail).then_some(head)
    }

    /// Appends entry `index` (on no list) to `list`.
    #[inline]
    pub(super) fn push_back(&mut self, list: ListId, index: u32) {
        let tail = self.lists[list as usize].tail;
        let node = &mut self.nodes[index as usize];
        node.prev = tail;
        node.next = NIL;
        node.list = list;
        if tail == NIL {
            self.lists[list as usize].head = index;
        } else {
            self.nodes[tail as usize].next = index;
        }
        self.lists[list as usize].tail = index;
    }

    /// The list entry `index` (a live one) is on.
    #[inline]
    pub(super) fn list(&self, index: u32) -> ListId {
        self.nodes[index as usize].list
    }

    /// Removes entry `index` from the list it is on, and returns that list.
    #[inline]
    pub(super) fn unlink(&mut self, index: u32) -> ListId {
        let Node { prev, next, list, .. } = self.nodes[index as usize];
        if prev == NIL {
            self.lists[list as usize].head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.lists[list as usize].tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
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

    /// Moves every entry of `src` to the end of `dst`, in order, walking them
    /// to record their new list.
    #[inline]
    pub(super) fn append(&mut self, dst: ListId, src: ListId) {
        let moved = std::mem::replace(&mut self.lists[src as usize], EMPTY);
        if moved.head == NIL {
            return;
        }
        let mut i = moved.head;
        while i != NIL {
            let node = &mut self.nodes[i as usize];
            node.list = dst;
            i = node.next;
        }
        let tail = self.lists[dst as usize].tail;
        if tail == NIL {
            self.lists[dst as usize].head = moved.head;
        } else {
            self.nodes[tail as usize].next = moved.head;
            self.nodes[moved.head as usize].prev = tail;
        }
        self.lists[dst as usize].tail = moved.tail;
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
            out.push(*e.nodes[i as usize].payload.as_ref().unwrap());
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
        e.unlink(ids[3]);
        assert_eq!(order(&e, 0), [0, 2]);
        assert_eq!(e.pop_front(0), Some(ids[0]));
        assert_eq!(e.pop_front(0), Some(ids[2]));
        assert_eq!(e.pop_front(0), None);
        assert!(e.is_empty(0) && e.is_empty(1));
    }

    #[test]
    fn append_moves_a_whole_list_in_order() {
        let mut e = Entries::new(5, 3);
        let ids: Vec<u32> = (0..5).map(|p| e.alloc(0, p).unwrap().0).collect();
        e.append(0, 1); // both empty
        assert!(e.is_empty(0));
        e.push_back(1, ids[0]);
        e.push_back(1, ids[1]);
        e.append(0, 1); // into an empty list
        assert!(e.is_empty(1));
        e.push_back(2, ids[2]);
        e.push_back(2, ids[3]);
        e.append(0, 2); // after entries
        e.push_back(0, ids[4]);
        assert_eq!(order(&e, 0), [0, 1, 2, 3, 4]);
        assert_eq!(e.list(ids[2]), 0);
        e.unlink(ids[2]);
        assert_eq!(e.pop_front(0), Some(ids[0]));
        assert_eq!(order(&e, 0), [1, 3, 4]);
    }

    #[test]
    fn a_new_slab_is_written_and_hands_out_entries_in_order() {
        let mut e = Entries::new(5, 1);
        assert_eq!(e.nodes.len(), 5);
        assert!(e.nodes.iter().all(|n| n.payload.is_none()));
        let ids: Vec<u32> = (0..5).map(|p| e.alloc(0, p).unwrap().0).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        assert_eq!(e.alloc(0, 5), Err(5));
        assert_eq!(Entries::<u8>::new(0, 1).alloc(0, 1), Err(1));
    }

    #[test]
    fn full_slab_hands_payload_back_and_reuse_bumps_generation() {
        let mut e = Entries::new(1, 1);
        let (i, g) = e.alloc(5, 1).unwrap();
        assert_eq!(e.alloc(6, 2), Err(2));
        e.push_back(0, i);
        assert!(e.is_live(i, g));
        e.unlink(i);
        assert_eq!(e.free(i), Some(1));
        assert!(!e.is_live(i, g));
        let (j, h) = e.alloc(7, 3).unwrap();
        assert_eq!((j, h), (i, g + 1));
        assert_eq!(e.len(), 1);
    }
}
