//! Portable waker: a pipe, written to wake, emptied to reset.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::sys::{pipe, syscall};

pub(crate) const NAME: &str = "pipe";

/// Wakes a blocked selector from any thread: its read end is registered with
/// the selector, and `wake` writes one byte to the other end.
#[derive(Debug)]
pub(crate) struct Waker {
    reader: OwnedFd,
    writer: OwnedFd,
}

impl Waker {
    /// A non-blocking, close-on-exec pipe (`pipe2(O_NONBLOCK | O_CLOEXEC)`).
    pub(crate) fn new() -> io::Result<Waker> {
        let (reader, writer) = pipe::new_pipe()?;
        Ok(Waker { reader, writer })
    }

    /// Makes the waker readable. One `write(2)`.
    pub(crate) fn wake(&self) -> io::Result<()> {
        let byte = 1u8;
        // SAFETY: writes one byte from a live local to a pipe we own.
        match syscall!(unsafe { libc::write(self.writer.as_raw_fd(), (&raw const byte).cast(), 1) }) {
            Ok(_) => Ok(()),
            // The pipe is full: it is readable already.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Resets the waker after it fired: reads until the pipe is empty
    /// (usually one `read(2)`, as senders coalesce their wake-ups).
    pub(crate) fn drain(&self) {
        let mut buf = [0u8; 64];
        // SAFETY: reads at most `buf.len()` bytes into the local buffer.
        // An error (`WouldBlock`) means it is empty: nothing to drain.
        while let Ok(n) = syscall!(unsafe { libc::read(self.reader.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) }) {
            if (n as usize) < buf.len() {
                break;
            }
        }
    }

    /// The read end, to register with the selector.
    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.reader.as_raw_fd()
    }
}
