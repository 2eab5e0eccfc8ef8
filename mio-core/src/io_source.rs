//! `IoSource`: a socket plus its registration state.

use std::io;
use std::os::fd::AsRawFd;

use crate::sys::IoSourceState;
use crate::{EventSet, Evented, Poll, PollOpt, Token};

/// Wraps an fd-backed IO object with the backend's registration state, so each
/// socket type gets `Evented` and checked registration for free.
#[derive(Debug)]
pub(crate) struct IoSource<T> {
    /// Declared first, so it is dropped before `inner` closes the fd: the
    /// poll(2) backend removes the fd from its table then.
    state: IoSourceState,
    inner: T,
}

impl<T> IoSource<T> {
    pub(crate) const fn new(inner: T) -> IoSource<T> {
        IoSource { state: IoSourceState::new(), inner }
    }

    /// Runs one IO operation; on backends that emulate edge triggering this is
    /// where `WouldBlock` re-arms the registration.
    #[inline]
    pub(crate) fn do_io<R>(&self, f: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        self.state.do_io(&self.inner, f)
    }

    /// The wrapped object, for calls that are not IO (options, addresses).
    pub(crate) fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Unwraps. The caller must deregister first if it wants the fd to stay
    /// quiet on every backend: closing the fd removes it from epoll, while
    /// the poll(2) backend removes it here, as the state is dropped.
    pub(crate) fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsRawFd> Evented for IoSource<T> {
    fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.state.register(poll.selector(), self.inner.as_raw_fd(), token, interest, opts)
    }

    fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.state.reregister(poll.selector(), self.inner.as_raw_fd(), token, interest, opts)
    }

    fn deregister(&self, poll: &Poll) -> io::Result<()> {
        self.state.deregister(poll.selector(), self.inner.as_raw_fd())
    }
}

/// Implements `Evented`, the raw-fd traits and the `OwnedFd` conversions for a
/// socket type `$ty { inner: IoSource<$std> }`, by delegating to `inner`; the
/// fd traits come from `sys::impl_fd_traits!`, which holds the one `unsafe`
/// they need.
macro_rules! impl_source_traits {
    ($ty:ident, $std:ty) => {
        impl $crate::Evented for $ty {
            fn register(
                &self,
                poll: &$crate::Poll,
                token: $crate::Token,
                interest: $crate::EventSet,
                opts: $crate::PollOpt,
            ) -> std::io::Result<()> {
                $crate::Evented::register(&self.inner, poll, token, interest, opts)
            }

            fn reregister(
                &self,
                poll: &$crate::Poll,
                token: $crate::Token,
                interest: $crate::EventSet,
                opts: $crate::PollOpt,
            ) -> std::io::Result<()> {
                $crate::Evented::reregister(&self.inner, poll, token, interest, opts)
            }

            fn deregister(&self, poll: &$crate::Poll) -> std::io::Result<()> {
                $crate::Evented::deregister(&self.inner, poll)
            }
        }

        $crate::sys::impl_fd_traits!($ty, $std);
    };
}

pub(crate) use impl_source_traits;
