//! `Outbound<P>`: what starts an outbound connection, and
//! `OutboundError<P>`, what a creator gets back when it cannot start.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

use super::Protocol;
use crate::machine::MachineError;
use crate::tcp::TcpStream;
use crate::unix::UnixStream;

/// What starts a [`Connect`](super::Connect): a socket whose `connect` is in progress (or
/// done), the protocol value that takes over once it is connected (its
/// per-connection data: a request to send, a key, a peer's name), and an
/// optional connect deadline.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// # use mio_core::machine::Scope;
/// # use mio_core::stream::{Intent, Protocol, Transport};
/// use mio_core::stream::Outbound;
/// use mio_core::tcp::{TcpListener, TcpStream};
///
/// /// Sends its greeting once connected, then closes.
/// struct Greet(&'static [u8]);
/// # impl Protocol for Greet {
/// #     type Context = ();
/// #     type Socket = TcpStream;
/// #     fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// #     fn bytes_read(self, _: &mut Transport<'_, TcpStream>, _: usize, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// #     fn bytes_flushed(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// #     fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// # }
///
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// let seed = match Outbound::tcp(listener.local_addr()?, Greet(b"hello\n")) {
///     Ok(seed) => seed.deadline(Instant::now() + Duration::from_secs(3)),
///     // Failed at once (EMFILE, no route): the value comes back.
///     Err(e) => panic!("{}: greeting {:?} not sent", e.error, e.protocol.0),
/// };
/// assert!(seed.connect_deadline().is_some());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Outbound<P: Protocol> {
    pub(super) socket: P::Socket,
    pub(super) protocol: P,
    pub(super) deadline: Option<Instant>,
}

impl<P: Protocol> Outbound<P> {
    /// `protocol` over `socket`, whose `connect` was started (a
    /// [`TcpStream::connect`], a [`UnixStream::connect`]) or is done (an
    /// accepted socket, one of a pair): [`Protocol::connected`] is called
    /// once it is writable without a pending error, with no deadline.
    pub fn new(socket: P::Socket, protocol: P) -> Outbound<P> {
        Outbound { socket, protocol, deadline: None }
    }

    /// Gives up at `at` if the connection is not made by then:
    /// [`Protocol::connect_failed`] with `TimedOut`
    /// ([`CONNECT_TIMED_OUT`](super::CONNECT_TIMED_OUT)). The deadline is the stream's until
    /// `connected` returns its first intent, which sets it anew.
    pub fn deadline(mut self, at: Instant) -> Outbound<P> {
        self.deadline = Some(at);
        self
    }

    /// The connect deadline, if one is set.
    pub fn connect_deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The socket and the protocol value, back.
    pub fn into_parts(self) -> (P::Socket, P) {
        (self.socket, self.protocol)
    }
}

impl<P: Protocol<Socket = TcpStream>> Outbound<P> {
    /// Starts connecting to `addr` ([`TcpStream::connect`]).
    ///
    /// # Errors
    ///
    /// What failed at once (`socket`'s `EMFILE`, `connect`'s
    /// `NetworkUnreachable`, ...), with `protocol` handed back. A refused
    /// connection is usually reported later, through
    /// [`Protocol::connect_failed`].
    pub fn tcp(addr: SocketAddr, protocol: P) -> Result<Outbound<P>, OutboundError<P>> {
        match TcpStream::connect(addr) {
            Ok(socket) => Ok(Outbound::new(socket, protocol)),
            Err(e) => Err(OutboundError { protocol, error: e.into() }),
        }
    }
}

impl<P: Protocol<Socket = UnixStream>> Outbound<P> {
    /// Connects to the Unix socket at `path` ([`UnixStream::connect`]; on
    /// Linux it completes or fails at once).
    ///
    /// # Errors
    ///
    /// With `protocol` handed back: `NotFound` (nothing bound there),
    /// `ConnectionRefused` (not listening), `WouldBlock` (its backlog is
    /// full: try again later), `InvalidInput` (a bad path), or another OS
    /// error of `socket`/`connect`.
    pub fn unix(path: impl AsRef<Path>, protocol: P) -> Result<Outbound<P>, OutboundError<P>> {
        match UnixStream::connect(path) {
            Ok(socket) => Ok(Outbound::new(socket, protocol)),
            Err(e) => Err(OutboundError { protocol, error: e.into() }),
        }
    }
}

impl<P: Protocol + fmt::Debug> fmt::Debug for Outbound<P>
where
    P::Socket: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field("socket", &self.socket)
            .field("protocol", &self.protocol)
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// An [`Outbound`] could not be made: the error, and the protocol value
/// back, to retry with or to report from.
#[derive(Debug)]
pub struct OutboundError<P> {
    /// The protocol value the outbound connection was for.
    pub protocol: P,
    /// What failed (the OS error's kind and code).
    pub error: MachineError,
}

impl<P> fmt::Display for OutboundError<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outbound connection failed: {}", self.error)
    }
}

impl<P: fmt::Debug> std::error::Error for OutboundError<P> {}
