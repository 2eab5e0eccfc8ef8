//! The preallocated event buffer of the poll(2) backend.

use crate::IoEvent;

/// A fixed-capacity buffer of events, filled by `Selector::select`.
///
/// poll(2) reports readiness in the pollfd array itself, so the selector
/// converts each ready entry and pushes it here; the buffer never grows past
/// the capacity it was built with.
#[derive(Debug)]
pub(crate) struct Events {
    buf: Vec<IoEvent>,
    capacity: usize,
}

impl Events {
    /// Allocates room for `capacity` events (at least one), once.
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        let capacity = capacity.max(1);
        Events { buf: Vec::with_capacity(capacity), capacity }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// The `i`th event.
    pub(crate) fn get(&self, i: usize) -> Option<IoEvent> {
        self.buf.get(i).copied()
    }

    /// Whether no more events fit.
    pub(super) fn is_full(&self) -> bool {
        self.buf.len() >= self.capacity
    }

    /// Appends an event; the caller checks `is_full` first, so this never
    /// reallocates.
    pub(super) fn push(&mut self, event: IoEvent) {
        debug_assert!(!self.is_full());
        self.buf.push(event);
    }
}
