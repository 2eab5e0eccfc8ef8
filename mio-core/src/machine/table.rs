//! The fixed-capacity table of machines: token == slab key, with generations.

use std::time::Instant;

use slab::Slab;

use crate::timer::Timeout;

/// One machine's slot.
#[derive(Debug)]
pub(crate) struct Slot<M> {
    /// `None` while the machine runs (taken out) or after it ended.
    pub(crate) machine: Option<M>,
    /// Distinguishes this machine from earlier users of the same token.
    pub(crate) generation: u32,
    /// The current deadline and its timer.
    pub(crate) deadline: Option<(Instant, Timeout)>,
    /// A daemon: a draining loop does not wait for it.
    daemon: bool,
}

/// Machines by token. Slots of ended machines are freed only at the end of
/// the turn, so an event of this turn for an ended machine finds an empty
/// slot instead of a newcomer.
#[derive(Debug)]
pub(crate) struct Table<M> {
    slab: Slab<Slot<M>>,
    capacity: usize,
    ended: Vec<usize>,
    next_generation: u32,
    /// Live daemons (see [`Created::daemon`](super::Created::daemon)).
    daemons: usize,
}

impl<M> Table<M> {
    pub(crate) fn with_capacity(capacity: usize) -> Table<M> {
        Table {
            slab: Slab::with_capacity(capacity),
            capacity,
            ended: Vec::with_capacity(capacity),
            next_generation: 0,
            daemons: 0,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Machines alive (not counting ended ones waiting to be freed).
    pub(crate) fn len(&self) -> usize {
        self.slab.len() - self.ended.len()
    }

    /// Live machines that are not daemons: what a draining loop waits for.
    pub(crate) fn non_daemons(&self) -> usize {
        self.len() - self.daemons
    }

    /// Whether `token`'s slot holds a machine (outside a machine's call:
    /// a live machine).
    pub(crate) fn occupied(&self, token: usize) -> bool {
        self.slab.get(token).is_some_and(|slot| slot.machine.is_some())
    }

    pub(crate) fn is_full(&self) -> bool {
        self.slab.len() >= self.capacity
    }

    /// The token the next insert will use, and its generation.
    pub(crate) fn next_slot(&self) -> (usize, u32) {
        (self.slab.vacant_key(), self.next_generation)
    }

    /// Inserts a machine at `next_slot()`. The caller checked `is_full`.
    pub(crate) fn insert(&mut self, machine: M, daemon: bool) -> usize {
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        self.daemons += usize::from(daemon);
        self.slab.insert(Slot { machine: Some(machine), generation, deadline: None, daemon })
    }

    /// The slot of `token`, if it holds one (for the test harness).
    pub(crate) fn get(&self, token: usize) -> Option<&Slot<M>> {
        self.slab.get(token)
    }

    pub(crate) fn get_mut(&mut self, token: usize) -> Option<&mut Slot<M>> {
        self.slab.get_mut(token)
    }

    /// Takes the machine out to run it, if the slot holds the live machine of
    /// `generation` (any generation if `None`).
    pub(crate) fn take(&mut self, token: usize, generation: Option<u32>) -> Option<(M, u32)> {
        let slot = self.slab.get_mut(token)?;
        if generation.is_some_and(|g| g != slot.generation) {
            return None;
        }
        slot.machine.take().map(|m| (m, slot.generation))
    }

    /// Takes the machine out to run it, if the slot holds a live machine
    /// inserted before the insert whose generation was `first_new`.
    pub(crate) fn take_older(&mut self, token: usize, first_new: u32) -> Option<(M, u32)> {
        let inserted_since = self.next_generation.wrapping_sub(first_new);
        let slot = self.slab.get_mut(token)?;
        if slot.generation.wrapping_sub(first_new) < inserted_since {
            return None;
        }
        slot.machine.take().map(|m| (m, slot.generation))
    }

    /// Marks the slot's machine as ended. Returns the machine if it was still
    /// in its slot (the loop ends it without running it) and its deadline's
    /// timer, for the caller to drop and clear.
    pub(crate) fn end(&mut self, token: usize) -> (Option<M>, Option<Timeout>) {
        let Some(slot) = self.slab.get_mut(token) else { return (None, None) };
        if std::mem::take(&mut slot.daemon) {
            self.daemons -= 1;
        }
        slot.generation = slot.generation.wrapping_add(0x8000_0000);
        self.ended.push(token);
        (slot.machine.take(), slot.deadline.take().map(|(_, t)| t))
    }

    /// Ends every machine (after freeing the slots ended earlier): each
    /// machine and its timer go to `f`.
    pub(crate) fn end_all(&mut self, mut f: impl FnMut(usize, Option<M>, Option<Timeout>)) {
        self.free_ended();
        for (token, slot) in self.slab.iter_mut() {
            f(token, slot.machine.take(), slot.deadline.take().map(|(_, t)| t));
        }
        self.slab.clear();
        self.daemons = 0;
    }

    /// Frees the slots of ended machines (end of turn).
    pub(crate) fn free_ended(&mut self) {
        for token in self.ended.drain(..) {
            self.slab.remove(token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn daemons_count_until_they_end() {
        let mut table = Table::with_capacity(4);
        let daemon = table.insert('d', true);
        let plain = table.insert('p', false);
        assert_eq!((table.len(), table.non_daemons()), (2, 1));
        table.end(plain);
        assert_eq!(table.non_daemons(), 0, "only the daemon is left");
        table.end(daemon);
        assert_eq!((table.len(), table.non_daemons()), (0, 0));
        table.free_ended();
        table.insert('q', true);
        table.end_all(|_, _, _| {});
        assert_eq!(table.non_daemons(), 0);
    }

    #[test]
    fn take_older_skips_machines_inserted_since() {
        let mut table = Table::with_capacity(4);
        let old = table.insert('o', false);
        let first_new = table.next_slot().1;
        let new = table.insert('n', false);
        assert_eq!(table.take_older(new, first_new), None);
        assert_eq!(table.take_older(old, first_new).map(|(m, _)| m), Some('o'));
        assert_eq!(table.take_older(old, first_new), None, "taken out: running");
        assert!(table.occupied(new) && !table.occupied(old));
    }
}
