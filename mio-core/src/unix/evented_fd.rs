//! `EventedFd`: registers any raw fd.

use std::io;
use std::os::fd::RawFd;

use crate::{EventSet, Evented, Poll, PollOpt, Token};

/// Adapter that makes a borrowed raw fd [`Evented`], for fds this crate did not
/// create (a device, a fd from another library).
///
/// Unlike this crate's sockets it keeps no registration state, so the kernel's
/// answers are what you get: registering twice with one `Poll` is
/// `AlreadyExists` and reregistering an unregistered fd is `NotFound`, but
/// registering one fd with two different `Poll`s cannot be detected. Prefer
/// the socket types where they fit.
///
/// On the portable poll(2) backend (see [`Poll`]), edge triggering is
/// emulated by watching a source's IO for `WouldBlock`; the IO on a raw fd is
/// not seen, so an edge registration made through `EventedFd` reports once
/// and then waits for `reregister`. Use level triggering, or reregister after
/// draining the fd. Deregister before closing the fd: a closed fd left
/// registered is dropped from the table at the next poll (or when its number
/// is registered again), never reported.
///
/// # Examples
///
/// ```
/// use std::os::fd::AsRawFd;
/// use mio_core::{EventSet, Poll, PollOpt, Token};
/// use mio_core::unix::EventedFd;
///
/// let poll = Poll::new()?;
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// socket.set_nonblocking(true)?;
/// let fd = socket.as_raw_fd();
/// poll.register(&EventedFd(&fd), Token(0), EventSet::readable(), PollOpt::edge())?;
/// poll.deregister(&EventedFd(&fd))?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct EventedFd<'a>(pub &'a RawFd);

impl Evented for EventedFd<'_> {
    fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        poll.selector().register(*self.0, token, interest, opts)
    }

    fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        poll.selector().reregister(*self.0, token, interest, opts)
    }

    fn deregister(&self, poll: &Poll) -> io::Result<()> {
        poll.selector().deregister(*self.0)
    }
}
