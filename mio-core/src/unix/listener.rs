//! `UnixListener`: a non-blocking Unix domain socket server.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use super::UnixStream;
use crate::io_source::impl_source_traits;
use crate::io_source::IoSource;
use crate::sys::unix_socket::{self, SocketType, UnixAddr};

/// A non-blocking Unix domain socket server, `SOCK_NONBLOCK | SOCK_CLOEXEC`.
///
/// Register it for `readable` and call [`accept`](UnixListener::accept) until
/// it returns `WouldBlock`. Dropping the listener closes the fd but does not
/// remove the socket file: remove it yourself (or bind in a directory you
/// remove).
///
/// # Examples
///
/// ```
/// use mio_core::unix::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("mio-doc-listener-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("sock");
/// let listener = UnixListener::bind(&path)?;
/// assert_eq!(listener.accept().unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
///
/// let _client = UnixStream::connect(&path)?;
/// let (_conn, addr) = listener.accept()?;
/// assert!(addr.is_unnamed());
/// # drop(listener);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UnixListener {
    inner: IoSource<net::UnixListener>,
}

impl UnixListener {
    pub(crate) fn from_owned(fd: OwnedFd) -> UnixListener {
        UnixListener { inner: IoSource::new(net::UnixListener::from(fd)) }
    }

    /// Creates a socket bound at `path`, listening with a backlog of 1024.
    ///
    /// A path whose first byte is NUL names a socket in Linux's abstract
    /// namespace (no file is created).
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: `path` is empty, contains a NUL byte, or is longer
    ///   than a `sockaddr_un` holds (107 bytes);
    /// * `AddrInUse`: something exists at `path` already (a stale socket file
    ///   is not removed for you);
    /// * `NotFound` / `PermissionDenied`: the directory is missing or not
    ///   writable;
    /// * other OS errors of `socket`/`bind`/`listen` (e.g. `EMFILE`).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let addr = UnixAddr::new(path.as_ref())?;
        let fd = unix_socket::socket(SocketType::Stream)?;
        unix_socket::bind(fd.as_fd(), &addr)?;
        unix_socket::listen(fd.as_fd())?;
        Ok(UnixListener::from_owned(fd))
    }

    /// Wraps a std listener, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS error of setting `O_NONBLOCK`.
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener { inner: IoSource::new(listener) })
    }

    /// Accepts a connection (`accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`)
    /// and returns it with the peer's address (usually unnamed).
    ///
    /// # Errors
    ///
    /// * `WouldBlock`: no connection is waiting;
    /// * out of fds (`raw_os_error()` is `EMFILE` or `ENFILE`): the
    ///   connection stays queued, so back off (a timer) before retrying
    ///   rather than spin on a level-triggered registration;
    /// * other OS errors of `accept4` (e.g. `ConnectionAborted`).
    pub fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (fd, addr) = self.inner.do_io(|l| unix_socket::accept(l.as_fd()))?;
        Ok((UnixStream::from_owned(fd), addr))
    }

    /// Duplicates the fd (`F_DUPFD_CLOEXEC`); the copy is not registered.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl` (e.g. `EMFILE`).
    pub fn try_clone(&self) -> io::Result<UnixListener> {
        Ok(UnixListener::from_owned(self.as_fd().try_clone_to_owned()?))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`; the pending error itself is `Ok(Some(e))`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }
}

impl_source_traits!(UnixListener, net::UnixListener);

/// Lets the [`Accept`](crate::machine::Accept) machine serve Unix sockets.
impl crate::machine::Listener for UnixListener {
    type Stream = UnixStream;

    fn accept_stream(&self) -> io::Result<UnixStream> {
        self.accept().map(|(stream, _)| stream)
    }
}
