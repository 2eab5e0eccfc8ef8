//! `Connect<P>`: a stream that connects first.

use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

use super::conn::{Conn, CONNECTING, READABLE};
use super::round::Start;
use super::stream_machine::resume;
use super::{Outbound, Protocol, Stream};
use crate::counters::Counters;
use crate::machine::{Created, Machine, MachineError, Response, Scope};
use crate::{sys, EventSet, PollOpt};

/// The connect deadline passed before the connection was made.
pub const CONNECT_TIMED_OUT: MachineError = MachineError::new(io::ErrorKind::TimedOut, "connect deadline passed");

/// The loop drained before the connection was made.
pub const DRAINED_WHILE_CONNECTING: MachineError =
    MachineError::new(io::ErrorKind::Interrupted, "loop drains while connecting");

/// A [`Stream`] that connects first: the machine of an outbound connection
/// (a client, an upstream), made from an [`Outbound`] seed — by
/// [`Connect::start`] in [`Loop::add_machine_with`](crate::machine::Loop::add_machine_with),
/// or spawned by a running machine (a composed machine's seed enum has a
/// variant for it).
///
/// While the connection is in progress only writable interest is
/// registered (no busy loop); when the socket becomes writable its pending
/// error (`SO_ERROR`) says how it went:
///
/// - none: [`Protocol::connected`] is called on the seed's protocol value,
///   before anything is read, and the stream goes on as any other;
/// - an error, or the connect deadline first: [`Protocol::connect_failed`]
///   with its kind (see there), and the machine ends, closing the socket
///   and clearing its deadline. It held no buffer.
///
/// A failure of the loop's own while the socket is registered (a
/// registration error) also goes to the loop's error hook. A connect
/// deadline the timer cannot take (`OutOfMemory`, "timer capacity
/// exhausted") ends the machine before it ran, like any machine's: the
/// error goes to whoever added it (`add_machine_with`'s `Err`) or, for a
/// spawn, to the error hook; the socket is closed and the protocol is not
/// called. A wake-up while connecting is ignored (wake-ups may be
/// spurious); a drain gives up (`Interrupted`, [`DRAINED_WHILE_CONNECTING`]).
///
/// Once connected, each event costs one flag test more than a [`Stream`]'s.
///
/// # Examples
///
/// A client whose server speaks first: it learns that it is connected
/// before any byte arrives, then reads one line.
///
/// ```
/// use std::io::Write;
/// use std::time::{Duration, Instant};
/// use mio_core::machine::{Loop, LoopConfig, MachineError, Scope};
/// use mio_core::stream::{Connect, Intent, Outbound, Protocol, Transport};
/// use mio_core::tcp::{TcpListener, TcpStream};
///
/// #[derive(Default)]
/// struct Log { connected: bool, line: Vec<u8>, failed: Option<std::io::ErrorKind> }
///
/// struct Banner;
///
/// impl Protocol for Banner {
///     type Context = Log;
///     type Socket = TcpStream;
///     fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Log>) -> Intent<Self> {
///         Intent::done() // not used: a client starts in `connected`
///     }
///     fn connected(self, t: &mut Transport<'_, TcpStream>, s: &mut Scope<'_, Log>) -> Intent<Self> {
///         assert!(t.input().is_empty());
///         s.connected = true;
///         Intent::of(self).expect_delimiter(b"\n", 256)
///     }
///     fn connect_failed(self, e: MachineError, s: &mut Scope<'_, Log>) {
///         s.failed = Some(e.kind());
///     }
///     fn bytes_read(self, t: &mut Transport<'_, TcpStream>, end: usize, s: &mut Scope<'_, Log>) -> Intent<Self> {
///         s.line.extend_from_slice(&t.input().data()[..end]);
///         s.shutdown_loop();
///         Intent::done()
///     }
///     fn bytes_flushed(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Log>) -> Intent<Self> {
///         Intent::done()
///     }
///     fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Log>) -> Intent<Self> {
///         Intent::done()
///     }
/// }
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let server = std::thread::spawn(move || {
///     let (mut peer, _) = listener.accept().unwrap();
///     peer.write_all(b"+OK ready\n").unwrap();
/// });
///
/// let mut lp = Loop::<Connect<Banner>>::new(&LoopConfig::new())?;
/// let seed = Outbound::tcp(addr, Banner).map_err(|e| e.error)?;
/// let seed = seed.deadline(Instant::now() + Duration::from_secs(5));
/// lp.add_machine_with(|scope| Connect::start(seed, scope))?;
/// let mut lp = lp.instantiate(Log::default());
/// for _ in 0..100 {
///     if lp.is_shutdown() { break }
///     lp.run_once(Some(Duration::from_millis(100)))?;
/// }
/// server.join().unwrap();
/// assert!(lp.context().connected);
/// assert_eq!(lp.context().line, b"+OK ready\n");
/// assert_eq!(lp.context().failed, None);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Connect<P: Protocol>(Stream<P>);

impl<P: Protocol + fmt::Debug> fmt::Debug for Connect<P>
where
    P::Socket: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Connect").field(&self.0).finish()
    }
}

impl<P: Protocol> Connect<P>
where
    P::Socket: AsFd,
{
    /// Registers the seed's socket (writable interest only) under the new
    /// machine's token and waits for the connection, with the seed's
    /// deadline. Use it in [`Loop::add_machine_with`](crate::machine::Loop::add_machine_with)
    /// (any context: the protocol is first called once the loop runs).
    ///
    /// # Errors
    ///
    /// The OS error of registering the socket; the seed is dropped (its
    /// socket closed) and the protocol is not called.
    pub fn start<X>(outbound: Outbound<P>, scope: &mut Scope<'_, X>) -> Created<Self> {
        let Outbound { socket, protocol, deadline } = outbound;
        if let Err(e) = scope.register(&socket, EventSet::writable(), PollOpt::edge()) {
            return Created::error(e.into());
        }
        Connect::waiting(socket, protocol, deadline)
    }

    /// The machine of a registered socket waiting for its connection.
    fn waiting(socket: P::Socket, protocol: P, deadline: Option<Instant>) -> Created<Self> {
        let machine = Connect(Stream { conn: Conn::connecting(socket), protocol });
        match deadline {
            Some(at) => Created::keep(machine).deadline(at),
            None => Created::ok(machine),
        }
    }

    /// Whether the connection is still being made.
    pub fn is_connecting(&self) -> bool {
        self.0.conn.is(CONNECTING)
    }

    /// The socket became writable (or failed) while connecting: its
    /// pending error says whether it is connected.
    #[cold]
    fn finish(mut self, events: EventSet, scope: &mut Scope<'_, P::Context>) -> Response<Self, Outbound<P>> {
        match self.check(events, scope) {
            None => Response::unchanged(self),
            Some(Ok(())) => self.enter(scope),
            Some(Err(e)) => self.give_up(e, scope),
        }
    }

    /// Whether an event on a connecting socket finished the connection:
    /// `None` if not (no writable, error or hup in `events`); `Ok` once it
    /// is connected and registered for reading; the error if it failed.
    pub(super) fn check<C>(&mut self, events: EventSet, scope: &mut Scope<'_, C>) -> Option<Result<(), MachineError>> {
        if !(events.is_writable() || events.is_error() || events.is_hup()) {
            return None;
        }
        let conn = &mut self.0.conn;
        let failed = match sys::net::take_socket_error(conn.socket.as_fd()) {
            Ok(None) => scope.reregister(&conn.socket, EventSet::readable(), PollOpt::edge()).err(),
            Ok(Some(e)) | Err(e) => Some(e),
        };
        if let Some(e) = failed {
            return Some(Err(e.into()));
        }
        conn.set(CONNECTING, false);
        conn.set(READABLE, true);
        Some(Ok(()))
    }

    /// The first round of a connection `check` found made:
    /// [`Protocol::connected`].
    pub(super) fn enter<S>(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, S> {
        let Stream { conn, protocol } = self.0;
        resume(conn, Start::Connected(protocol), scope, Connect)
    }

    /// Tells the protocol the connection could not be made; the machine
    /// ends (its socket closes, its deadline is cleared).
    pub(super) fn give_up<S>(self, error: MachineError, scope: &mut Scope<'_, P::Context>) -> Response<Self, S> {
        self.0.protocol.connect_failed(error, scope);
        Response::done()
    }
}

impl<P: Protocol> Machine for Connect<P>
where
    P::Socket: AsFd,
{
    type Context = P::Context;
    type Seed = Outbound<P>;

    /// As [`start`](Connect::start); a registration error is also told to
    /// the protocol ([`Protocol::connect_failed`]) before it goes to the
    /// loop's error hook.
    fn create(outbound: Outbound<P>, scope: &mut Scope<'_, P::Context>) -> Created<Self> {
        let Outbound { socket, protocol, deadline } = outbound;
        if let Err(e) = scope.register(&socket, EventSet::writable(), PollOpt::edge()) {
            let e = MachineError::from(e);
            protocol.connect_failed(e, scope);
            return Created::error(e);
        }
        Connect::waiting(socket, protocol, deadline)
    }

    #[inline]
    fn ready(self, events: EventSet, scope: &mut Scope<'_, P::Context>) -> Response<Self, Outbound<P>> {
        if self.0.conn.is(CONNECTING) {
            return self.finish(events, scope);
        }
        let Stream { conn, protocol } = self.0;
        resume(conn, Start::Ready(protocol, events), scope, Connect)
    }

    fn timeout(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Outbound<P>> {
        if self.is_connecting() {
            return self.give_up(CONNECT_TIMED_OUT, scope);
        }
        let Stream { conn, protocol } = self.0;
        resume(conn, Start::Timeout(protocol), scope, Connect)
    }

    fn ended_by_loop(&self, counters: &Counters) {
        if !self.is_connecting() {
            self.0.ended_by_loop(counters);
        }
    }

    fn wakeup(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Outbound<P>> {
        if self.is_connecting() {
            return Response::unchanged(self);
        }
        let Stream { conn, protocol } = self.0;
        resume(conn, Start::Wakeup(protocol), scope, Connect)
    }

    fn drain(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Outbound<P>> {
        if self.is_connecting() {
            return self.give_up(DRAINED_WHILE_CONNECTING, scope);
        }
        let Stream { conn, protocol } = self.0;
        resume(conn, Start::Drain(protocol), scope, Connect)
    }
}
