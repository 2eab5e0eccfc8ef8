//! Non-blocking TCP: [`TcpListener`] and [`TcpStream`].
//!
//! Both are created `SOCK_NONBLOCK | SOCK_CLOEXEC`, implement
//! [`Evented`](crate::Evented), and report "not ready" as an
//! `io::ErrorKind::WouldBlock` error, as std's non-blocking sockets do; the
//! [`TryRead`](crate::TryRead), [`TryWrite`](crate::TryWrite) and
//! [`TryAccept`](crate::TryAccept) helpers turn that into `Ok(None)`.

mod listener;
mod stream;

pub use listener::TcpListener;
pub use stream::TcpStream;
