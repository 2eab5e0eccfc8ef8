//! Per-source registration state on poll(2): a handle on the selector.

use std::io;
use std::os::fd::RawFd;
use std::sync::{Mutex, MutexGuard, PoisonError, Weak};

use super::selector::Shared;
use super::Selector;
use crate::{EventSet, PollOpt, Token};

/// Which selector a source is registered with, and a handle on its table.
///
/// The handle lets the source re-arm its edge registration when its IO
/// returns `WouldBlock`, and remove its entry when it is dropped (a closed fd
/// left in a poll table would be reported as `POLLNVAL`, and its number may
/// be reused). The handle is a `Weak` taken at registration: cloning it does
/// not allocate, and a dropped `Poll` frees its table and closes its pipe even
/// while sources registered with it live on.
#[derive(Debug, Default)]
pub(crate) struct IoSourceState {
    registration: Mutex<Option<Registration>>,
}

#[derive(Debug)]
struct Registration {
    selector_id: usize,
    shared: Weak<Shared>,
    fd: RawFd,
}

impl IoSourceState {
    pub(crate) const fn new() -> IoSourceState {
        IoSourceState { registration: Mutex::new(None) }
    }

    /// Runs one IO operation on the source; `WouldBlock` re-arms an edge
    /// registration, so the next readiness is reported again.
    #[inline]
    pub(crate) fn do_io<T: ?Sized, R>(&self, io: &T, f: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        let res = f(io);
        if let Err(e) = &res {
            if e.kind() == io::ErrorKind::WouldBlock {
                self.rearm();
            }
        }
        res
    }

    fn rearm(&self) {
        let registration = self.lock();
        if let Some(reg) = registration.as_ref() {
            if let Some(shared) = reg.shared.upgrade() {
                shared.rearm(reg.fd);
            }
        }
    }

    pub(crate) fn register(
        &self,
        sel: &Selector,
        fd: RawFd,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        let mut registration = self.lock();
        if let Some(reg) = registration.as_ref().filter(|r| r.shared.strong_count() > 0) {
            let msg = if reg.selector_id == sel.id() {
                "source is already registered with this Poll"
            } else {
                "source is registered with another Poll"
            };
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, msg));
        }
        sel.register(fd, token, interest, opts)?;
        *registration = Some(Registration { selector_id: sel.id(), shared: sel.downgrade(), fd });
        Ok(())
    }

    pub(crate) fn reregister(
        &self,
        sel: &Selector,
        fd: RawFd,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        let registration = self.lock();
        check_owner(registration.as_ref(), sel)?;
        sel.reregister(fd, token, interest, opts)
    }

    pub(crate) fn deregister(&self, sel: &Selector, fd: RawFd) -> io::Result<()> {
        let mut registration = self.lock();
        check_owner(registration.as_ref(), sel)?;
        sel.deregister(fd)?;
        *registration = None;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Option<Registration>> {
        self.registration.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for IoSourceState {
    /// Removes the entry while the fd is still open (the source's fd is
    /// closed after its state is dropped).
    fn drop(&mut self) {
        let registration = self.registration.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(reg) = registration.take() {
            if let Some(shared) = reg.shared.upgrade() {
                shared.forget(reg.fd);
            }
        }
    }
}

fn check_owner(registration: Option<&Registration>, sel: &Selector) -> io::Result<()> {
    match registration {
        None => Err(io::Error::new(io::ErrorKind::NotFound, "source is not registered")),
        Some(reg) if reg.selector_id == sel.id() => Ok(()),
        Some(_) => Err(io::Error::new(io::ErrorKind::InvalidInput, "source is registered with another Poll")),
    }
}
