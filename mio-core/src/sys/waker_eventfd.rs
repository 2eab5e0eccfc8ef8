//! Waker on Linux: an eventfd, written to wake, read to reset.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::sys::syscall;

pub(crate) const NAME: &str = "eventfd";

/// Wakes a blocked selector from any thread.
#[derive(Debug)]
pub(crate) struct Waker {
    fd: OwnedFd,
}

impl Waker {
    pub(crate) fn new() -> io::Result<Waker> {
        // SAFETY: plain integer arguments.
        let fd = syscall!(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: eventfd just returned this fd and nothing else owns it.
        Ok(Waker { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Makes the waker readable. One `write(2)`.
    pub(crate) fn wake(&self) -> io::Result<()> {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes the 8 bytes of a live local to an eventfd we own.
        match syscall!(unsafe { libc::write(self.fd.as_raw_fd(), one.as_ptr().cast(), 8) }) {
            Ok(_) => Ok(()),
            // The counter is at its maximum: it is readable already.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Resets the waker after it fired. One `read(2)`.
    pub(crate) fn drain(&self) {
        let mut buf = [0u8; 8];
        // An error here means it was not readable: nothing to drain.
        // SAFETY: reads at most 8 bytes into the 8-byte local buffer.
        let _ = syscall!(unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) });
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
