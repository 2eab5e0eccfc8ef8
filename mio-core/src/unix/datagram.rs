//! `UnixDatagram`: a non-blocking Unix domain datagram socket.

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::io_source::impl_source_traits;
use crate::io_source::IoSource;
use crate::sys::unix_socket::{self, SocketType, UnixAddr};

/// A non-blocking Unix domain datagram socket, `SOCK_NONBLOCK | SOCK_CLOEXEC`.
///
/// Sends and receives return `WouldBlock` as an error when they cannot
/// proceed. Datagrams keep their boundaries and may carry file descriptors
/// ([`send_fds`](UnixDatagram::send_fds), [`recv_fds`](UnixDatagram::recv_fds)).
/// Dropping it closes the fd but does not remove a bound socket file.
///
/// # Examples
///
/// ```
/// use mio_core::unix::UnixDatagram;
///
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"one")?;
/// a.send(b"two")?;
/// let mut buf = [0; 8];
/// assert_eq!(b.recv(&mut buf)?, 3);
/// assert_eq!(&buf[..3], b"one");
/// assert_eq!(b.recv(&mut buf)?, 3);
/// assert_eq!(b.recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UnixDatagram {
    inner: IoSource<net::UnixDatagram>,
}

impl UnixDatagram {
    pub(crate) fn from_owned(fd: OwnedFd) -> UnixDatagram {
        UnixDatagram { inner: IoSource::new(net::UnixDatagram::from(fd)) }
    }

    /// Creates a socket bound at `path`.
    ///
    /// A path whose first byte is NUL names a socket in Linux's abstract
    /// namespace (no file is created).
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: `path` is empty, contains a NUL byte, or is longer
    ///   than a `sockaddr_un` holds (107 bytes);
    /// * `AddrInUse`: something exists at `path` already;
    /// * `NotFound` / `PermissionDenied`: the directory is missing or not
    ///   writable;
    /// * other OS errors of `socket`/`bind` (e.g. `EMFILE`).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let addr = UnixAddr::new(path.as_ref())?;
        let fd = unix_socket::socket(SocketType::Datagram)?;
        unix_socket::bind(fd.as_fd(), &addr)?;
        Ok(UnixDatagram::from_owned(fd))
    }

    /// Creates a socket bound to no address: it can send (with
    /// [`send_to`](UnixDatagram::send_to), or after
    /// [`connect`](UnixDatagram::connect)) but nobody can address replies to it.
    ///
    /// # Errors
    ///
    /// The OS error of `socket` (e.g. `EMFILE`).
    pub fn unbound() -> io::Result<UnixDatagram> {
        Ok(UnixDatagram::from_owned(unix_socket::socket(SocketType::Datagram)?))
    }

    /// Creates a pair of sockets connected to each other (`socketpair`).
    ///
    /// # Errors
    ///
    /// The OS error of `socketpair` (e.g. `EMFILE`).
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = unix_socket::pair(SocketType::Datagram)?;
        Ok((UnixDatagram::from_owned(a), UnixDatagram::from_owned(b)))
    }

    /// Wraps a std socket, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS error of setting `O_NONBLOCK`.
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram { inner: IoSource::new(socket) })
    }

    /// Sets the default destination to the socket at `path`; afterwards
    /// [`send`](UnixDatagram::send) goes there and only its datagrams are
    /// received.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: `path` is empty, contains a NUL byte, or is too long;
    /// * `NotFound`: nothing is bound at `path`;
    /// * `ConnectionRefused`: the socket at `path` is not a datagram socket;
    /// * other OS errors of `connect`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let addr = UnixAddr::new(path.as_ref())?;
        unix_socket::connect(self.as_fd(), &addr)
    }

    /// Duplicates the fd (`F_DUPFD_CLOEXEC`); the copy is not registered.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl` (e.g. `EMFILE`).
    pub fn try_clone(&self) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram::from_owned(self.as_fd().try_clone_to_owned()?))
    }

    /// The address this socket is bound to (unnamed if unbound).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The address of the socket this one is connected to.
    ///
    /// # Errors
    ///
    /// `NotConnected` if it is not connected; other OS errors of `getpeername`.
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

    /// Shuts down reading, writing or both.
    ///
    /// # Errors
    ///
    /// The OS error of `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// Sends one datagram to the socket at `path`; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: `path` is empty, contains a NUL byte, or is too long;
    /// * `WouldBlock`: the receiver's queue is full;
    /// * `NotFound` / `ConnectionRefused`: nothing (or nothing of this kind)
    ///   is bound at `path`;
    /// * other OS errors of `sendmsg` (e.g. `EMSGSIZE` for an oversized datagram).
    pub fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        self.send_fds_to(buf, &[], path)
    }

    /// Receives one datagram and the sender's address. A datagram longer
    /// than `buf` is truncated (the rest is discarded).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is queued; other OS errors of `recvfrom`.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|s| s.recv_from(buf))
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` (no peer set), `WouldBlock` (the peer's queue is full),
    /// `ConnectionRefused` (the peer is gone), other OS errors of `send`.
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|s| s.send(buf))
    }

    /// Receives one datagram (truncated to `buf`'s length).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is queued; other OS errors of `recv`.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|s| s.recv(buf))
    }

    /// Sends one datagram carrying `fds` (`SCM_RIGHTS`) to the connected peer.
    ///
    /// The receiver gets its own copies of the fds; the caller's stay open.
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: more than 253 fds (the kernel's `SCM_MAX_FD`);
    /// * `NotConnected`, `WouldBlock`, `ConnectionRefused`: as
    ///   [`send`](UnixDatagram::send);
    /// * other OS errors of `sendmsg` (e.g. `ETOOMANYREFS`).
    pub fn send_fds(&self, buf: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        self.inner.do_io(|s| unix_socket::send_msg(s.as_fd(), buf, fds, None))
    }

    /// Sends one datagram carrying `fds` (`SCM_RIGHTS`) to the socket at `path`.
    ///
    /// # Errors
    ///
    /// As [`send_to`](UnixDatagram::send_to), plus `InvalidInput` for more
    /// than 253 fds.
    pub fn send_fds_to(&self, buf: &[u8], fds: &[BorrowedFd<'_>], path: impl AsRef<Path>) -> io::Result<usize> {
        let addr = UnixAddr::new(path.as_ref())?;
        self.inner.do_io(|s| unix_socket::send_msg(s.as_fd(), buf, fds, Some(&addr)))
    }

    /// Receives one datagram into `buf` and the fds it carries into
    /// `fds_out`, filled from index 0 (earlier contents of those slots are
    /// dropped). Returns (bytes, fds received). Received fds are
    /// close-on-exec (`MSG_CMSG_CLOEXEC`).
    ///
    /// # Errors
    ///
    /// * `WouldBlock`: no datagram is queued;
    /// * `InvalidData`: the datagram carried more fds than `fds_out` holds
    ///   (the control data was truncated). Every fd it carried is closed,
    ///   none leaks, and the datagram is consumed;
    /// * other OS errors of `recvmsg`.
    pub fn recv_fds(&self, buf: &mut [u8], fds_out: &mut [Option<OwnedFd>]) -> io::Result<(usize, usize)> {
        self.inner.do_io(|s| unix_socket::recv_msg(s.as_fd(), buf, fds_out))
    }
}

impl_source_traits!(UnixDatagram, net::UnixDatagram);
