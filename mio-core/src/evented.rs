//! `Evented`: anything that can be registered with a [`Poll`].

use std::io;

use crate::{EventSet, Poll, PollOpt, Token};

/// A source of readiness events that can be registered with a [`Poll`] (and so
/// with an [`EventLoop`](crate::EventLoop)).
///
/// Every socket type of this crate implements it. Users rarely call these
/// methods directly: [`Poll::register`] and the loop's `register` do, after
/// checking the token. To make a type of your own evented, delegate to
/// [`EventedFd`](crate::unix::EventedFd) or to a socket it holds.
///
/// # Errors
///
/// Implementations of this crate report misuse as:
/// * `AlreadyExists`: `register` of a source already registered (with this
///   `Poll` or another one);
/// * `NotFound`: `reregister`/`deregister` of a source that is not registered;
/// * `InvalidInput`: `reregister`/`deregister` against a `Poll` the source is
///   not registered with.
///
/// # Examples
///
/// ```
/// use std::io;
/// use std::os::fd::{AsRawFd, RawFd};
/// use mio_core::{EventSet, Evented, Poll, PollOpt, Token};
/// use mio_core::unix::EventedFd;
///
/// struct MyDevice { fd: RawFd }
///
/// impl Evented for MyDevice {
///     fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
///         EventedFd(&self.fd).register(poll, token, interest, opts)
///     }
///     fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
///         EventedFd(&self.fd).reregister(poll, token, interest, opts)
///     }
///     fn deregister(&self, poll: &Poll) -> io::Result<()> {
///         EventedFd(&self.fd).deregister(poll)
///     }
/// }
/// ```
pub trait Evented {
    /// Registers `self` with `poll` under `token`.
    fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()>;

    /// Changes the token, interest or options of an existing registration.
    fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()>;

    /// Removes the registration.
    fn deregister(&self, poll: &Poll) -> io::Result<()>;
}

impl<E: Evented + ?Sized> Evented for &E {
    fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        (**self).register(poll, token, interest, opts)
    }

    fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        (**self).reregister(poll, token, interest, opts)
    }

    fn deregister(&self, poll: &Poll) -> io::Result<()> {
        (**self).deregister(poll)
    }
}
