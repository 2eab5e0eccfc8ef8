//! pipe2(2) with `O_NONBLOCK | O_CLOEXEC`.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use crate::sys::syscall;

/// Creates a non-blocking, close-on-exec pipe: (read end, write end).
pub(crate) fn new_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two fds pipe2 writes.
    syscall!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 succeeded, so both fds are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}
