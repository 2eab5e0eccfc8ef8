//! The impls every Unix socket type shares: `Evented` and the fd traits.

/// Implements `Evented`, `AsRawFd`, `AsFd`, `FromRawFd` and `IntoRawFd` for a
/// socket type `$ty { inner: IoSource<S> }` that has `fn from_owned(OwnedFd)`.
macro_rules! fd_socket_impls {
    ($ty:ident) => {
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

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self.inner.get_ref())
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(self.inner.get_ref())
            }
        }

        impl std::os::fd::FromRawFd for $ty {
            /// Wraps an fd; it is not made non-blocking (use `from_std` for that).
            ///
            /// # Safety
            ///
            /// `fd` must be an open socket of the right kind that the caller
            /// owns and hands over; it should be in non-blocking mode.
            unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> $ty {
                // SAFETY: the caller hands over ownership of an open fd.
                $ty::from_owned(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
            }
        }

        impl std::os::fd::IntoRawFd for $ty {
            /// Gives up the fd without closing it. If the socket is registered,
            /// the registration stays until the fd is closed.
            fn into_raw_fd(self) -> std::os::fd::RawFd {
                std::os::fd::IntoRawFd::into_raw_fd(self.inner.into_inner())
            }
        }
    };
}

pub(crate) use fd_socket_impls;
