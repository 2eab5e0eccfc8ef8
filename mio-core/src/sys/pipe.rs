//! pipe2(2) with `O_NONBLOCK | O_CLOEXEC`, through nix (a setup call: it
//! costs nothing over libc and returns owned fds).

use std::io;
use std::os::fd::OwnedFd;

use nix::fcntl::OFlag;

/// Creates a non-blocking, close-on-exec pipe: (read end, write end).
pub(crate) fn new_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC)?)
}
