//! `TcpStream`: a non-blocking TCP connection.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::AsFd;
use std::time::Duration;

use crate::io_source::impl_source_traits;
use crate::io_source::IoSource;
use crate::sys;

/// A non-blocking TCP connection, from [`TcpStream::connect`] or
/// [`TcpListener::accept`](crate::tcp::TcpListener::accept).
///
/// `Read` and `Write` are implemented for `TcpStream` and `&TcpStream`; they
/// return `WouldBlock` when the socket is not ready. A read of 0 bytes means
/// the peer closed its side (end of stream).
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::time::Duration;
/// use mio_core::tcp::{TcpListener, TcpStream};
/// use mio_core::{EventSet, Events, Poll, PollOpt, Token};
///
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let mut client = TcpStream::connect(listener.local_addr()?)?;
/// let poll = Poll::new()?;
/// let mut events = Events::with_capacity(8);
///
/// // The connection completes in the background: wait until writable.
/// poll.register(&client, Token(1), EventSet::writable(), PollOpt::edge())?;
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(client.take_error()?.map(|e| e.kind()), None);
/// client.write_all(b"ping")?;
///
/// let (mut server, _) = listener.accept()?;
/// poll.register(&server, Token(2), EventSet::readable(), PollOpt::edge())?;
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf)?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpStream {
    inner: IoSource<net::TcpStream>,
}

impl TcpStream {
    /// Starts connecting to `addr` and returns at once.
    ///
    /// The connection completes in the background: register for writable
    /// interest; when it is reported, [`take_error`](TcpStream::take_error)
    /// (or [`peer_addr`](TcpStream::peer_addr)) tells whether it succeeded.
    ///
    /// # Errors
    ///
    /// The OS error of `socket` or `connect` when it fails at once (e.g.
    /// `EMFILE`, `NetworkUnreachable`). A refused connection is usually not
    /// an error here but a writable/error event followed by
    /// `take_error() == Ok(Some(ConnectionRefused))`.
    pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        Ok(TcpStream::from_std_unchecked(net::TcpStream::from(sys::net::tcp_connect(&addr)?)))
    }

    /// Wraps a std stream, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS error setting `O_NONBLOCK`.
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream::from_std_unchecked(stream))
    }

    pub(crate) fn from_std_unchecked(stream: net::TcpStream) -> TcpStream {
        TcpStream { inner: IoSource::new(stream) }
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` while a [`connect`](TcpStream::connect) is in progress or
    /// after it failed.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The local address of the socket.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname` (in practice none).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Duplicates the socket (`F_DUPFD_CLOEXEC`): both handles read and write
    /// the same connection. The copy is not registered.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl` (e.g. `EMFILE`).
    pub fn try_clone(&self) -> io::Result<TcpStream> {
        Ok(TcpStream::from_std_unchecked(self.inner.get_ref().try_clone()?))
    }

    /// Shuts down the read half, the write half (the peer reads end of
    /// stream), or both.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the socket is not connected.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// Sets `TCP_NODELAY`: `true` sends small writes at once instead of
    /// coalescing them (Nagle's algorithm).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt` (in practice none).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get_ref().nodelay()
    }

    /// Turns TCP keepalive on, probing after `idle` without traffic (whole
    /// seconds, rounded up, at least 1), or off with `None`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an idle time the OS rejects (over 32,767 s on Linux).
    pub fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        sys::net::set_keepalive(self.as_fd(), idle)
    }

    /// The keepalive idle time, or `None` when keepalive is off.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn keepalive(&self) -> io::Result<Option<Duration>> {
        sys::net::keepalive(self.as_fd())
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes dropping the stream
    /// reset the connection (the peer gets `ConnectionReset`) instead of a
    /// graceful close; `None` (the default) closes gracefully in the
    /// background.
    ///
    /// Other values make `close` block up to that long (whole seconds) even on
    /// a non-blocking socket: avoid them in an event loop.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt` (in practice none).
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        sys::net::set_linger(self.as_fd(), linger)
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::net::linger(self.as_fd())
    }

    /// Sets the IP time-to-live of outgoing packets (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TTL over 255.
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

    /// Takes the pending socket error (`SO_ERROR`), clearing it: after a
    /// [`connect`](TcpStream::connect) became writable, `Ok(None)` means it
    /// succeeded and `Ok(Some(e))` why it failed (e.g. `ConnectionRefused`).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// Reads without removing the data from the socket's queue.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when no data is queued; otherwise as `read` (e.g.
    /// `ConnectionReset`).
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|s| s.peek(buf))
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}

/// `read` returns `WouldBlock` when nothing is queued, `Ok(0)` at end of
/// stream, and errors such as `ConnectionReset` when the peer reset.
impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        (&*self).read_vectored(bufs)
    }
}

/// As `Read for TcpStream`, through a shared reference.
impl Read for &TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.read(buf))
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.read_vectored(bufs))
    }
}

/// `write` returns `WouldBlock` when the send buffer is full and may write
/// less than asked (a partial write); writing after the peer reset fails
/// with `ConnectionReset` or `BrokenPipe`.
impl Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// As `Write for TcpStream`, through a shared reference.
impl Write for &TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.write(buf))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.inner.do_io(|mut s| s.write_vectored(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl_source_traits!(TcpStream, net::TcpStream);
