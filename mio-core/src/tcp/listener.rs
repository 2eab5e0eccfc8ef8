//! `TcpListener`: a non-blocking listening socket.

use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::AsFd;

use crate::io_source::impl_source_traits;
use crate::io_source::IoSource;
use crate::sys;
use crate::tcp::TcpStream;

/// A non-blocking TCP listener: register it for readable interest and call
/// [`accept`](TcpListener::accept) until it returns `WouldBlock`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::tcp::{TcpListener, TcpStream};
/// use mio_core::{EventSet, Events, Poll, PollOpt, Token};
///
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let poll = Poll::new()?;
/// poll.register(&listener, Token(0), EventSet::readable(), PollOpt::edge())?;
///
/// let _client = TcpStream::connect(listener.local_addr()?)?;
/// let mut events = Events::with_capacity(8);
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// let (_stream, peer) = listener.accept()?;
/// assert!(peer.ip().is_loopback());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    inner: IoSource<net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens (backlog 1024, `SO_REUSEADDR` set, so a
    /// restarted server can bind while old connections are in `TIME_WAIT`).
    /// Port 0 picks a free port; [`local_addr`](TcpListener::local_addr) tells
    /// which.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if another socket listens on `addr`, `AddrNotAvailable` if
    /// `addr` is not local, `PermissionDenied` for a privileged port; otherwise
    /// the OS error of `socket`/`bind`/`listen` (e.g. `EMFILE`).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        Ok(TcpListener::from_std_unchecked(net::TcpListener::from(sys::net::tcp_listen(&addr, false)?)))
    }

    /// Binds to `addr` with `SO_REUSEPORT` (and `SO_REUSEADDR`) set, and
    /// listens (backlog 1024): several such listeners, one per thread, can
    /// share one address.
    ///
    /// On Linux the kernel spreads incoming connections over every listener
    /// bound to the address with `SO_REUSEPORT` by the same effective user,
    /// by a hash of each connection's addresses and ports. That is how to run
    /// one loop per core with nothing shared: each loop accepts from its own
    /// listener. The spread is a hash, not a balance: loops get unequal
    /// shares (the more connections, the closer to even), and all
    /// connections from one source address and port go to one listener.
    /// [`LoopGroup`](crate::serve::LoopGroup) does this for you. Other
    /// systems differ: the BSDs and macOS accept the option but give new
    /// connections to one of the sockets only.
    ///
    /// Port 0 picks a free port for this listener alone; bind the others to
    /// the port it got ([`local_addr`](TcpListener::local_addr)).
    ///
    /// # Errors
    ///
    /// As [`bind`](TcpListener::bind); `AddrInUse` also when a socket
    /// without `SO_REUSEPORT`, or one of another user, holds `addr`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mio_core::tcp::TcpListener;
    ///
    /// let first = TcpListener::bind_reuseport("127.0.0.1:0".parse().unwrap())?;
    /// let addr = first.local_addr()?; // the port the system picked
    /// let second = TcpListener::bind_reuseport(addr)?; // shares it
    /// assert_eq!(second.local_addr()?, addr);
    /// assert!(first.reuse_port()? && second.reuse_port()?);
    /// assert!(TcpListener::bind(addr).is_err()); // not without the option
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind_reuseport(addr: SocketAddr) -> io::Result<TcpListener> {
        Ok(TcpListener::from_std_unchecked(net::TcpListener::from(sys::net::tcp_listen(&addr, true)?)))
    }

    /// Wraps a std listener, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl`/`ioctl` setting `O_NONBLOCK`.
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener::from_std_unchecked(listener))
    }

    fn from_std_unchecked(listener: net::TcpListener) -> TcpListener {
        TcpListener { inner: IoSource::new(listener) }
    }

    /// Accepts one pending connection: the stream (non-blocking, close-on-exec)
    /// and the peer's address.
    ///
    /// With edge-triggered registration, call it until `WouldBlock`.
    ///
    /// # Errors
    ///
    /// * `WouldBlock`: no connection is pending;
    /// * the OS error of `accept4` otherwise. Out of descriptors (`EMFILE`,
    ///   `ENFILE`: `raw_os_error()` tells which) leaves the connection queued:
    ///   the listener stays readable, so a level-triggered registration would
    ///   report it again at once. Back off (deregister, or wait on a timer)
    ///   and retry once descriptors are freed. `ConnectionAborted` means the
    ///   peer gave up before the accept: just accept again.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (fd, addr) = self.inner.do_io(|l| sys::net::accept(l.as_fd()))?;
        Ok((TcpStream::from_std_unchecked(net::TcpStream::from(fd)), addr))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname` (in practice none).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Duplicates the socket (`F_DUPFD_CLOEXEC`); both handles accept from the
    /// same queue. The copy is not registered.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl` (e.g. `EMFILE`).
    pub fn try_clone(&self) -> io::Result<TcpListener> {
        Ok(TcpListener::from_std_unchecked(self.inner.get_ref().try_clone()?))
    }

    /// Sets the IP time-to-live of accepted connections' packets (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TTL over 255 (or 0 on some systems).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Whether `SO_REUSEPORT` is set (see
    /// [`bind_reuseport`](TcpListener::bind_reuseport)).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn reuse_port(&self) -> io::Result<bool> {
        sys::net::reuse_port(self.inner.get_ref().as_fd())
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none); the socket's error
    /// itself is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}

impl_source_traits!(TcpListener, net::TcpListener);

/// Lets [`Accept`](crate::machine::Accept) drive a TCP listener; the peer
/// address is dropped (ask the stream for it).
impl crate::machine::Listener for TcpListener {
    type Stream = TcpStream;

    fn accept_stream(&self) -> io::Result<TcpStream> {
        self.accept().map(|(stream, _)| stream)
    }
}
