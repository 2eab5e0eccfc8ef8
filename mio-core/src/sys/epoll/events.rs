//! The preallocated epoll event buffer.

use crate::{EventSet, IoEvent, Token};

/// A fixed-capacity buffer of `epoll_event`s, filled by `Selector::select`.
pub(crate) struct Events {
    buf: Vec<libc::epoll_event>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("len", &self.buf.len()).field("capacity", &self.buf.capacity()).finish()
    }
}

impl Events {
    /// Allocates room for `capacity` events (at least one), once.
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        Events { buf: Vec::with_capacity(capacity.clamp(1, i32::MAX as usize)) }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// The whole (cleared) buffer as a raw pointer and length for `epoll_wait`.
    pub(crate) fn spare(&mut self) -> (*mut libc::epoll_event, i32) {
        (self.buf.as_mut_ptr(), self.buf.capacity() as i32)
    }

    /// Sets the number of valid events.
    ///
    /// # Safety
    ///
    /// The first `n <= capacity` entries must have been initialised.
    pub(crate) unsafe fn set_len(&mut self, n: usize) {
        debug_assert!(n <= self.buf.capacity());
        // SAFETY: guaranteed by the caller.
        unsafe { self.buf.set_len(n) }
    }

    /// The `i`th event, converted.
    pub(crate) fn get(&self, i: usize) -> Option<IoEvent> {
        self.buf.get(i).map(|ev| IoEvent::new(from_epoll(ev.events), Token(ev.u64 as usize)))
    }
}

/// Maps epoll flags to an `EventSet`.
fn from_epoll(bits: u32) -> EventSet {
    let mut kind = EventSet::none();
    let bits = bits as i32;
    if bits & (libc::EPOLLIN | libc::EPOLLPRI) != 0 {
        kind.insert(EventSet::readable());
    }
    if bits & libc::EPOLLOUT != 0 {
        kind.insert(EventSet::writable());
    }
    if bits & libc::EPOLLERR != 0 {
        kind.insert(EventSet::error());
    }
    if bits & (libc::EPOLLRDHUP | libc::EPOLLHUP) != 0 {
        kind.insert(EventSet::hup());
    }
    kind
}
