//! `Poll` and `Events`: the low-level selector, without timers or channel.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use crate::{sys, EventSet, Evented, IoEvent, PollOpt, Token};

/// Default capacity of [`Events`] (mio 0.5's fixed value).
pub const DEFAULT_EVENTS_CAPACITY: usize = 1024;

/// Default number of registrations a poll(2)-backed `Poll` can hold.
pub const DEFAULT_REGISTRATIONS: usize = 16_384;

/// Waits for readiness on registered sources: epoll on Linux and Android,
/// poll(2) on other Unix systems.
///
/// `Poll` has no timers and no channel; [`EventLoop`](crate::EventLoop) adds
/// both. All methods take `&self`, so a `Poll` may be shared (e.g. in an `Arc`)
/// and sources registered from another thread while one thread blocks in
/// [`poll`](Poll::poll).
///
/// # Backends
///
/// [`Poll::backend`] names the one compiled in. On Linux, `--cfg
/// mio_force_poll` selects the portable one, which is how it is tested.
///
/// * **epoll**: registrations live in the kernel; a poll costs O(ready fds).
/// * **poll(2)**: the registration table is allocated at construction for
///   [`with_registrations`](Poll::with_registrations) sources (default
///   16,384) and never grows; registering more is an `OutOfMemory` error. A
///   poll costs O(registered fds), as poll(2) implies. poll(2) is
///   level-triggered, so edge and oneshot are emulated: after an event, an
///   edge registration stops reporting what it reported until an IO call on
///   the source returns `WouldBlock` (this crate's sources watch their own IO
///   for that) or it is reregistered; a oneshot one stops reporting anything
///   until reregistered. So with edge triggering, read or write until
///   `WouldBlock` before waiting again (which epoll needs too, strictly); a
///   short read is not enough here. [`EventedFd`](crate::unix::EventedFd)'s
///   IO is not seen, so an edge registration through it waits for
///   `reregister` after each event.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::{EventSet, Events, Poll, PollOpt, Token};
/// use mio_core::unix::pipe;
///
/// let poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
/// let (reader, mut writer) = pipe()?;
/// poll.register(&reader, Token(0), EventSet::readable(), PollOpt::edge())?;
/// std::io::Write::write_all(&mut writer, b"x")?;
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(events.get(0).unwrap().token(), Token(0));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Poll {
    selector: sys::Selector,
}

impl Poll {
    /// The edge-triggering contract of the compiled-in backend: whether an
    /// [`edge`](crate::PollOpt::edge) registration is reported again only
    /// after the source's IO returned `WouldBlock` (or it is reregistered).
    ///
    /// `false` on epoll: a read shorter than its buffer proves the socket
    /// drained, so code may stop there and save the `read` that would return
    /// `WouldBlock` (the stream layer does: one `read` per message). `true`
    /// on the portable poll(2) backend, which emulates edges: code that stops
    /// early on a short read or write would never hear of the source again,
    /// so it must read or write on to `WouldBlock`.
    pub const EDGE_NEEDS_WOULD_BLOCK: bool = sys::EDGE_NEEDS_WOULD_BLOCK;

    /// Creates a `Poll` (one epoll instance, `O_CLOEXEC`; on the poll(2)
    /// backend, a table for 16,384 registrations and a notify pipe).
    ///
    /// # Errors
    ///
    /// The OS error of `epoll_create1` or `pipe2` (e.g. `EMFILE`).
    pub fn new() -> io::Result<Poll> {
        Poll::with_registrations(DEFAULT_REGISTRATIONS)
    }

    /// Creates a `Poll` that can hold at least `capacity` registrations.
    ///
    /// epoll has no limit of its own and ignores it; the portable poll(2)
    /// backend preallocates its table to this size (about 100 bytes a
    /// registration, 1.6 MB at the default) and fails `register` with
    /// `OutOfMemory` beyond it. The event loop's own waker has a slot of its
    /// own and does not count.
    ///
    /// # Errors
    ///
    /// As [`Poll::new`]; on the poll(2) backend also `InvalidInput` for more
    /// than 2^30 registrations and `OutOfMemory` if the table cannot be
    /// allocated.
    pub fn with_registrations(capacity: usize) -> io::Result<Poll> {
        Ok(Poll { selector: sys::Selector::new(capacity)? })
    }

    /// The name of the selector backend compiled in: `"epoll"` or `"poll"`.
    pub fn backend() -> &'static str {
        sys::SELECTOR_NAME
    }

    /// The name of the waker compiled in: `"eventfd"` or `"pipe"`.
    pub fn waker_backend() -> &'static str {
        sys::WAKER_NAME
    }

    pub(crate) fn selector(&self) -> &sys::Selector {
        &self.selector
    }

    /// Registers the loop's waker (its fd) under the reserved token,
    /// level-triggered.
    pub(crate) fn register_waker(&self, waker: RawFd) -> io::Result<()> {
        self.selector.register(waker, Token::RESERVED, EventSet::readable(), PollOpt::level())
    }

    /// Registers `io` for `interest` under `token`.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: `token` is `Token(usize::MAX)`, which is reserved;
    /// * `AlreadyExists`: `io` is registered already, with this `Poll` or
    ///   another one;
    /// * `OutOfMemory` (poll(2) backend only): the registration table, sized
    ///   by [`with_registrations`](Poll::with_registrations) or
    ///   [`EventLoopConfig::registrations`](crate::EventLoopConfig::registrations),
    ///   is full; deregistering or dropping a source makes room;
    /// * the OS error of `epoll_ctl` (or of `fstat` on poll(2), e.g. `EBADF`)
    ///   otherwise.
    pub fn register<E: Evented + ?Sized>(
        &self,
        io: &E,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        check_token(token)?;
        io.register(self, token, interest, opts)
    }

    /// Changes the registration of `io`.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: reserved token, or `io` is registered with another `Poll`;
    /// * `NotFound`: `io` is not registered.
    pub fn reregister<E: Evented + ?Sized>(
        &self,
        io: &E,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        check_token(token)?;
        io.reregister(self, token, interest, opts)
    }

    /// Removes the registration of `io`.
    ///
    /// # Errors
    ///
    /// * `NotFound`: `io` is not registered;
    /// * `InvalidInput`: `io` is registered with another `Poll`.
    pub fn deregister<E: Evented + ?Sized>(&self, io: &E) -> io::Result<()> {
        io.deregister(self)
    }

    /// Waits until at least one event is ready or `timeout` passes (`None`:
    /// no limit), filling `events` from the start. Returns the number of
    /// events.
    ///
    /// A timeout is rounded up to whole milliseconds, so `poll` never returns
    /// early because of rounding. On the poll(2) backend each call costs
    /// O(registered fds), and only one thread polls at a time (a second one
    /// waits for the first).
    ///
    /// # Errors
    ///
    /// `Interrupted` when a signal arrived (`EINTR`); `events` is then empty.
    pub fn poll(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        self.selector.select(&mut events.inner, timeout)?;
        Ok(events.len())
    }
}

fn check_token(token: Token) -> io::Result<()> {
    if token == Token::RESERVED {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "Token(usize::MAX) is reserved for the event loop"));
    }
    Ok(())
}

/// A preallocated buffer of readiness events, filled by [`Poll::poll`].
///
/// # Examples
///
/// ```
/// use mio_core::Events;
///
/// let events = Events::with_capacity(256);
/// assert!(events.is_empty());
/// assert_eq!(events.capacity(), 256);
/// ```
#[derive(Debug)]
pub struct Events {
    inner: sys::Events,
}

impl Events {
    /// Allocates room for `capacity` events (at least 1), once; a poll
    /// returns at most that many.
    pub fn with_capacity(capacity: usize) -> Events {
        Events { inner: sys::Events::with_capacity(capacity) }
    }

    /// How many events fit.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// How many events the last poll returned.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the last poll returned no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th event of the last poll.
    pub fn get(&self, i: usize) -> Option<IoEvent> {
        self.inner.get(i)
    }

    /// Iterates over the events of the last poll.
    pub fn iter(&self) -> Iter<'_> {
        Iter { events: self, pos: 0 }
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = IoEvent;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over [`Events`].
#[derive(Debug)]
pub struct Iter<'a> {
    events: &'a Events,
    pos: usize,
}

impl Iterator for Iter<'_> {
    type Item = IoEvent;
    fn next(&mut self) -> Option<IoEvent> {
        let ev = self.events.get(self.pos)?;
        self.pos += 1;
        Some(ev)
    }
}
