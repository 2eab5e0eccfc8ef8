//! `UnixStream`: a non-blocking Unix domain stream socket.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::io_source::impl_source_traits;
use crate::io_source::IoSource;
use crate::sys::unix_socket::{self, SocketType, UnixAddr};

/// A non-blocking Unix domain stream socket, `SOCK_NONBLOCK | SOCK_CLOEXEC`.
///
/// Reads and writes return `WouldBlock` as an error when they cannot proceed;
/// wait for readiness by registering the stream with a
/// [`Poll`](crate::Poll) or an [`EventLoop`](crate::EventLoop). Besides bytes
/// it can pass file descriptors ([`send_fds`](UnixStream::send_fds),
/// [`recv_fds`](UnixStream::recv_fds)). Dropping it closes the fd.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use mio_core::unix::UnixStream;
///
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"ping")?;
/// let mut buf = [0; 8];
/// assert_eq!(b.read(&mut buf)?, 4);
/// assert_eq!(b.read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UnixStream {
    inner: IoSource<net::UnixStream>,
}

impl UnixStream {
    pub(crate) fn from_owned(fd: OwnedFd) -> UnixStream {
        UnixStream { inner: IoSource::new(net::UnixStream::from(fd)) }
    }

    /// Connects to the socket bound at `path`.
    ///
    /// A path whose first byte is NUL names a socket in Linux's abstract
    /// namespace. On Linux a Unix connect completes at once, so the stream is
    /// usable (and reported writable) as soon as this returns.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: `path` is empty, contains a NUL byte, or is longer
    ///   than a `sockaddr_un` holds (107 bytes);
    /// * `NotFound`: nothing is bound at `path`;
    /// * `ConnectionRefused`: the socket at `path` is not listening;
    /// * `WouldBlock`: the listener's backlog is full; nothing was started, so
    ///   call `connect` again later;
    /// * other OS errors of `socket`/`connect` (e.g. `PermissionDenied`, `EMFILE`).
    pub fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = UnixAddr::new(path.as_ref())?;
        let fd = unix_socket::socket(SocketType::Stream)?;
        unix_socket::connect(fd.as_fd(), &addr)?;
        Ok(UnixStream::from_owned(fd))
    }

    /// Creates a connected pair of streams (`socketpair`).
    ///
    /// # Errors
    ///
    /// The OS error of `socketpair` (e.g. `EMFILE`).
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = unix_socket::pair(SocketType::Stream)?;
        Ok((UnixStream::from_owned(a), UnixStream::from_owned(b)))
    }

    /// Wraps a std stream, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS error of setting `O_NONBLOCK`.
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream { inner: IoSource::new(stream) })
    }

    /// Duplicates the fd (`F_DUPFD_CLOEXEC`). The copy shares the connection
    /// but not the registration: register it separately if needed.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl` (e.g. `EMFILE`).
    pub fn try_clone(&self) -> io::Result<UnixStream> {
        Ok(UnixStream::from_owned(self.as_fd().try_clone_to_owned()?))
    }

    /// The address this end is bound to (usually unnamed for a connecting end).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the stream is not connected; other OS errors of
    /// `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`; the pending error itself is `Ok(Some(e))`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// Shuts down the read half, the write half or both. After
    /// `Shutdown::Write` the peer reads 0 bytes (end of stream).
    ///
    /// # Errors
    ///
    /// `NotConnected` if the stream is not connected; other OS errors of
    /// `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// Sends `buf` with `fds` attached (`SCM_RIGHTS`); returns the bytes sent.
    ///
    /// The receiver gets its own copies of the fds; the caller's stay open.
    /// The fds travel with the first byte of this write, so `buf` must not be
    /// empty when `fds` is not. If fewer bytes than `buf.len()` are sent, the
    /// fds went with them: send the rest without fds.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: more than 253 fds (the kernel's `SCM_MAX_FD`), or
    ///   `fds` given with an empty `buf`;
    /// * `WouldBlock`: the send buffer is full;
    /// * `BrokenPipe`: the peer has closed (no `SIGPIPE` is raised);
    /// * other OS errors of `sendmsg` (e.g. `ETOOMANYREFS`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::{AsFd, OwnedFd};
    /// use mio_core::unix::{pipe, UnixStream};
    ///
    /// let (a, b) = UnixStream::pair()?;
    /// let (_reader, writer) = pipe()?;
    /// assert_eq!(a.send_fds(b"w", &[writer.as_fd()])?, 1);
    ///
    /// let mut buf = [0; 16];
    /// let mut fds: [Option<OwnedFd>; 4] = Default::default();
    /// assert_eq!(b.recv_fds(&mut buf, &mut fds)?, (1, 1));
    /// assert!(fds[0].is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn send_fds(&self, buf: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        if buf.is_empty() && !fds.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "fds must be sent with at least one byte of data"));
        }
        self.inner.do_io(|s| unix_socket::send_msg(s.as_fd(), buf, fds, None))
    }

    /// Receives bytes into `buf` and the fds sent with them into `fds_out`,
    /// filled from index 0 (earlier contents of those slots are dropped).
    /// Returns (bytes read, fds received). 0 bytes means end of stream.
    ///
    /// Received fds are close-on-exec (`MSG_CMSG_CLOEXEC`). Fds arrive with
    /// the byte they were sent with, so a read never spans two `send_fds`
    /// calls that both carried fds.
    ///
    /// # Errors
    ///
    /// * `WouldBlock`: nothing to read;
    /// * `InvalidData`: more fds arrived than `fds_out` holds (the control
    ///   data was truncated). Every fd of the message is closed, none leaks;
    ///   the bytes of that read are lost. Size `fds_out` for the most fds your
    ///   protocol sends;
    /// * other OS errors of `recvmsg` (e.g. `ConnectionReset`).
    pub fn recv_fds(&self, buf: &mut [u8], fds_out: &mut [Option<OwnedFd>]) -> io::Result<(usize, usize)> {
        self.inner.do_io(|s| unix_socket::recv_msg(s.as_fd(), buf, fds_out))
    }
}

impl_source_traits!(UnixStream, net::UnixStream);

impl Read for UnixStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        (&*self).read_vectored(bufs)
    }
}

impl Read for &UnixStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.read(buf))
    }

    fn read_vectored(&mut self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.read_vectored(bufs))
    }
}

impl Write for UnixStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for &UnixStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.write(buf))
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.write_vectored(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
