//! `TryRead`, `TryWrite`, `TryAccept`: mio 0.5's "would block is `None`" helpers.

use std::io::{self, Read, Write};
use std::net::SocketAddr;

use crate::tcp::{TcpListener, TcpStream};
use crate::unix::{UnixListener, UnixStream};

/// Reads, with "would block" as `Ok(None)` instead of an error.
///
/// Implemented for every [`Read`] type, so for this crate's streams and pipes
/// and references to them.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use mio_core::unix::pipe;
/// use mio_core::TryRead;
///
/// let (mut r, mut w) = pipe()?;
/// let mut buf = [0; 8];
/// assert_eq!(r.try_read(&mut buf)?, None);
/// w.write_all(b"abc")?;
/// assert_eq!(r.try_read(&mut buf)?, Some(3));
/// drop(w);
/// assert_eq!(r.try_read(&mut buf)?, Some(0)); // end of stream
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait TryRead {
    /// Reads into `buf`: `Ok(Some(n))` for `n` bytes (`Some(0)`: end of
    /// stream), `Ok(None)` when nothing is ready.
    ///
    /// # Errors
    ///
    /// Every error of [`Read::read`] except `WouldBlock` (e.g.
    /// `ConnectionReset`, `Interrupted`).
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>>;
}

impl<R: Read + ?Sized> TryRead for R {
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        would_block_to_none(self.read(buf))
    }
}

/// Writes, with "would block" as `Ok(None)` instead of an error.
///
/// Implemented for every [`Write`] type.
///
/// # Examples
///
/// ```
/// use mio_core::unix::pipe;
/// use mio_core::TryWrite;
///
/// let (_r, mut w) = pipe()?;
/// let chunk = [0u8; 4096];
/// // Fill the pipe: a write eventually would block.
/// while let Some(n) = w.try_write(&chunk)? {
///     assert!(n > 0);
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait TryWrite {
    /// Writes from `buf`: `Ok(Some(n))` for `n` bytes written (possibly fewer
    /// than `buf.len()`), `Ok(None)` when there is no room.
    ///
    /// # Errors
    ///
    /// Every error of [`Write::write`] except `WouldBlock` (e.g.
    /// `BrokenPipe`, `ConnectionReset`).
    fn try_write(&mut self, buf: &[u8]) -> io::Result<Option<usize>>;
}

impl<W: Write + ?Sized> TryWrite for W {
    fn try_write(&mut self, buf: &[u8]) -> io::Result<Option<usize>> {
        would_block_to_none(self.write(buf))
    }
}

/// Accepts, with "would block" as `Ok(None)` instead of an error.
///
/// Named `try_accept` so that it does not shadow the listeners' inherent
/// `accept`.
///
/// # Examples
///
/// ```
/// use mio_core::tcp::TcpListener;
/// use mio_core::TryAccept;
///
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// assert!(listener.try_accept()?.is_none());
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait TryAccept {
    /// What an accept yields: the stream and the peer's address.
    type Output;

    /// Accepts one connection: `Ok(Some(_))`, or `Ok(None)` when none is
    /// pending.
    ///
    /// # Errors
    ///
    /// Every error of the listener's `accept` except `WouldBlock` (e.g.
    /// `EMFILE`, `ConnectionAborted`).
    fn try_accept(&self) -> io::Result<Option<Self::Output>>;
}

impl TryAccept for TcpListener {
    type Output = (TcpStream, SocketAddr);

    fn try_accept(&self) -> io::Result<Option<(TcpStream, SocketAddr)>> {
        would_block_to_none(self.accept())
    }
}

impl TryAccept for UnixListener {
    type Output = (UnixStream, std::os::unix::net::SocketAddr);

    fn try_accept(&self) -> io::Result<Option<Self::Output>> {
        would_block_to_none(self.accept())
    }
}

/// `WouldBlock` becomes `Ok(None)`; every other result passes through.
fn would_block_to_none<T>(res: io::Result<T>) -> io::Result<Option<T>> {
    match res {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
}
