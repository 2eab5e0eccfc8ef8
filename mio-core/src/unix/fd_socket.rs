//! The impls every Unix socket type shares: `Evented` and the fd traits.

/// Implements `Evented`, `AsRawFd`, `AsFd`, `FromRawFd` and `IntoRawFd` for a
/// socket type `$ty { inner: IoSource<$std> }`; the fd traits come from
/// `sys::impl_fd_traits!`, which holds the one `unsafe` they need.
macro_rules! fd_socket_impls {
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

pub(crate) use fd_socket_impls;
