//! `impl_fd_traits!`: the raw-fd conversions of every socket type.
//!
//! `FromRawFd` is the one trait whose implementation needs `unsafe`; it is
//! written here once, in `sys/`, for every type built on an `IoSource`. The
//! `OwnedFd` conversions are its safe counterpart: an `OwnedFd` is open and
//! owned by construction, so tests and users need no `unsafe` to hand an fd
//! over (e.g. one from `nix`, or `BorrowedFd::try_clone_to_owned`).

/// Implements `AsRawFd`, `AsFd`, `FromRawFd`, `IntoRawFd`, `From<OwnedFd>`
/// and `From<$ty> for OwnedFd` for `$ty`, a struct with a field
/// `inner: IoSource<$std>`, where `$std` is the std type it wraps (which must
/// implement those traits itself).
///
/// `from_raw_fd` and `From<OwnedFd>` do not change the fd's flags: like
/// `from_std` without the `set_nonblocking` call, the caller hands over a
/// non-blocking fd.
macro_rules! impl_fd_traits {
    ($ty:ident, $std:ty) => {
        impl ::std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> ::std::os::fd::RawFd {
                ::std::os::fd::AsRawFd::as_raw_fd(self.inner.get_ref())
            }
        }

        impl ::std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                ::std::os::fd::AsFd::as_fd(self.inner.get_ref())
            }
        }

        impl ::std::os::fd::FromRawFd for $ty {
            /// Takes ownership of `fd`.
            ///
            /// # Safety
            ///
            /// `fd` must be an open fd of the right kind (a socket of that
            /// type, a pipe end), owned by the caller, and non-blocking (it is
            /// not switched here).
            unsafe fn from_raw_fd(fd: ::std::os::fd::RawFd) -> $ty {
                // SAFETY: the caller hands over an open fd of this type that
                // it owns, as this function's contract requires.
                let io = unsafe { <$std as ::std::os::fd::FromRawFd>::from_raw_fd(fd) };
                $ty { inner: $crate::io_source::IoSource::new(io) }
            }
        }

        impl ::std::os::fd::IntoRawFd for $ty {
            /// Gives up the fd without closing it. If it is registered, the
            /// registration stays until the fd is closed.
            fn into_raw_fd(self) -> ::std::os::fd::RawFd {
                ::std::os::fd::IntoRawFd::into_raw_fd(self.inner.into_inner())
            }
        }

        impl ::std::convert::From<::std::os::fd::OwnedFd> for $ty {
            /// Takes ownership of `fd`, which must be of the right kind (a
            /// socket of that type, a pipe end) and non-blocking: it is not
            /// switched here. The safe form of `from_raw_fd`.
            fn from(fd: ::std::os::fd::OwnedFd) -> $ty {
                $ty { inner: $crate::io_source::IoSource::new(<$std>::from(fd)) }
            }
        }

        impl ::std::convert::From<$ty> for ::std::os::fd::OwnedFd {
            /// Gives up the fd without closing it. If it is registered, the
            /// registration stays until the fd is closed.
            fn from(source: $ty) -> ::std::os::fd::OwnedFd {
                ::std::os::fd::OwnedFd::from(source.inner.into_inner())
            }
        }
    };
}

pub(crate) use impl_fd_traits;
