//! Unix-specific sources: raw fds, Unix domain sockets, pipes and signals.
//!
//! [`UnixListener`], [`UnixStream`] and [`UnixDatagram`] take paths as
//! `impl AsRef<Path>`; a path whose first byte is NUL names a socket in
//! Linux's abstract namespace. Streams and datagram sockets can pass file
//! descriptors (`SCM_RIGHTS`) with `send_fds` / `recv_fds`, without
//! allocating.

mod datagram;
mod evented_fd;
mod listener;
mod pipe;
mod signals;
mod stream;

pub use datagram::UnixDatagram;
pub use evented_fd::EventedFd;
pub use listener::UnixListener;
pub use pipe::{pipe, PipeReader, PipeWriter};
pub use signals::Signals;
pub use stream::UnixStream;
