//! Per-source registration state on epoll: which selector owns the source.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};

use super::Selector;
use crate::{EventSet, PollOpt, Token};

/// Remembers the id of the selector a source is registered with (0: none), so
/// registering with a second loop is an error instead of a silent double
/// registration. IO needs no help from the selector on epoll.
#[derive(Debug, Default)]
pub(crate) struct IoSourceState {
    selector_id: AtomicU32,
}

impl IoSourceState {
    pub(crate) const fn new() -> IoSourceState {
        IoSourceState { selector_id: AtomicU32::new(0) }
    }

    /// Runs one IO operation on the source.
    #[inline]
    pub(crate) fn do_io<T: ?Sized, R>(&self, io: &T, f: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        f(io)
    }

    pub(crate) fn register(
        &self,
        sel: &Selector,
        fd: RawFd,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        match self.selector_id.compare_exchange(0, sel.id(), Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {}
            Err(id) if id == sel.id() => return Err(already("source is already registered with this Poll")),
            Err(_) => return Err(already("source is registered with another Poll")),
        }
        sel.register(fd, token, interest, opts).inspect_err(|_| self.selector_id.store(0, Ordering::Release))
    }

    pub(crate) fn reregister(
        &self,
        sel: &Selector,
        fd: RawFd,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        self.check_owner(sel)?;
        sel.reregister(fd, token, interest, opts)
    }

    pub(crate) fn deregister(&self, sel: &Selector, fd: RawFd) -> io::Result<()> {
        self.check_owner(sel)?;
        sel.deregister(fd)?;
        self.selector_id.store(0, Ordering::Release);
        Ok(())
    }

    fn check_owner(&self, sel: &Selector) -> io::Result<()> {
        match self.selector_id.load(Ordering::Acquire) {
            0 => Err(io::Error::new(io::ErrorKind::NotFound, "source is not registered")),
            id if id == sel.id() => Ok(()),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "source is registered with another Poll")),
        }
    }
}

fn already(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::AlreadyExists, msg)
}
