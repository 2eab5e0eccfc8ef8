//! The epoll selector: one epoll instance, registrations by fd.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::Events;
use crate::sys::syscall;
use crate::{EventSet, PollOpt, Token};

/// Source of unique selector ids (0 means "not registered").
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// An epoll instance.
#[derive(Debug)]
pub(crate) struct Selector {
    id: u32,
    ep: OwnedFd,
}

impl Selector {
    /// Creates an epoll instance (`EPOLL_CLOEXEC`). `capacity` is unused: epoll
    /// keeps registrations in the kernel.
    pub(crate) fn new(_capacity: usize) -> io::Result<Selector> {
        // SAFETY: epoll_create1 takes only a flag; no memory is involved.
        let fd = syscall!(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: epoll_create1 just returned this fd and nothing else owns it.
        let ep = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Selector { id: next_id(), ep })
    }

    /// A process-unique id, used to catch a source registered with two selectors.
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// Waits for events, at most `timeout` (rounded up to whole milliseconds, so
    /// a wait never ends early). Fills `events` from the start.
    pub(crate) fn select(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        let timeout_ms = match timeout {
            None => -1,
            Some(d) => {
                let ms = d.as_nanos().div_ceil(1_000_000);
                ms.min(i32::MAX as u128) as i32
            }
        };
        events.clear();
        let (ptr, cap) = events.spare();
        // SAFETY: `ptr` is the start of `events`' buffer, which has room for
        // `cap` epoll_events and stays borrowed (and unmoved) until the call
        // returns; the kernel writes at most `cap` entries.
        let n = syscall!(unsafe { libc::epoll_wait(self.ep.as_raw_fd(), ptr, cap, timeout_ms) })?;
        // SAFETY: the kernel initialised the first `n` entries of the buffer.
        unsafe { events.set_len(n as usize) };
        Ok(())
    }

    /// Adds `fd` to the interest list. Errors: `AlreadyExists` if it is there.
    pub(crate) fn register(&self, fd: RawFd, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, interest, opts)
    }

    /// Changes the registration of `fd`. Errors: `NotFound` if it is not registered.
    pub(crate) fn reregister(&self, fd: RawFd, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, interest, opts)
    }

    /// Removes `fd`. Errors: `NotFound` if it is not registered.
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: EPOLL_CTL_DEL ignores the event pointer (null is allowed
        // since Linux 2.6.9); the rest are integers.
        syscall!(unsafe { libc::epoll_ctl(self.ep.as_raw_fd(), libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) })
            .map(drop)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        let mut ev = libc::epoll_event { events: to_epoll(interest, opts), u64: token.0 as u64 };
        // SAFETY: `ev` is a live, initialised epoll_event that outlives the
        // call; the kernel only reads it.
        syscall!(unsafe { libc::epoll_ctl(self.ep.as_raw_fd(), op, fd, &mut ev) }).map(drop)
    }
}

/// A new non-zero selector id (0 means "not registered"; after 2^32 Polls
/// ids repeat, which only weakens the two-Polls check).
fn next_id() -> u32 {
    loop {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        if id != 0 {
            return id;
        }
    }
}

/// Maps interest and options to epoll flags. Readable interest includes
/// `EPOLLRDHUP`, so a peer's half-close is reported as hup.
fn to_epoll(interest: EventSet, opts: PollOpt) -> u32 {
    let mut bits = 0u32;
    if interest.is_readable() {
        bits |= (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
    }
    if interest.is_writable() {
        bits |= libc::EPOLLOUT as u32;
    }
    if interest.is_hup() {
        bits |= libc::EPOLLRDHUP as u32;
    }
    if opts.is_edge() {
        bits |= libc::EPOLLET as u32;
    }
    if opts.is_oneshot() {
        bits |= libc::EPOLLONESHOT as u32;
    }
    bits
}
