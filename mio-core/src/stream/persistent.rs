//! `Persistent<P, A>`: one outbound connection to an address, kept alive
//! with capped exponential backoff and jitter.

use std::hash::BuildHasher;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Instant;

use super::backoff::xorshift;
use super::{Backoff, Connect, Outbound, Protocol};
use crate::counters::Counters;
use crate::machine::{Action, Created, Deadline, Machine, MachineError, Response, Scope};
use crate::tcp::TcpStream;
use crate::unix::UnixStream;
use crate::EventSet;

/// Where a [`Persistent`] client connects: each attempt makes a new socket.
pub trait Endpoint {
    /// The stream socket a connection to this address is.
    type Socket;

    /// Starts a connection (it may complete later).
    ///
    /// # Errors
    ///
    /// What failed at once; the attempt counts as failed.
    fn connect(&self) -> io::Result<Self::Socket>;
}

impl Endpoint for SocketAddr {
    type Socket = TcpStream;

    /// [`TcpStream::connect`].
    fn connect(&self) -> io::Result<TcpStream> {
        TcpStream::connect(*self)
    }
}

impl Endpoint for PathBuf {
    type Socket = UnixStream;

    /// [`UnixStream::connect`] (a full backlog fails the attempt with
    /// `WouldBlock`).
    fn connect(&self) -> io::Result<UnixStream> {
        UnixStream::connect(self)
    }
}

/// A protocol a [`Persistent`] client keeps connected. Each connection
/// starts from a clone of the client's value (its template):
/// [`Protocol::connected`] on every (re)connect,
/// [`Protocol::connect_failed`] on every failed attempt; the template hears
/// of every disconnect here.
pub trait Reconnect: Protocol + Clone {
    /// A connection that was made ended: `None` when the protocol closed
    /// it (`done`, its end-of-stream default), or the error it ended with
    /// (its own `Intent::error`, a bound, the pool). A read or write error
    /// reached [`Protocol::error`] of the connection first and shows as
    /// `None` here. The client reconnects after a backoff unless the loop
    /// drains. `self` is the template: what it keeps is in the next
    /// connection's clone. Default: nothing.
    fn disconnected(&mut self, error: Option<MachineError>, scope: &mut Scope<'_, Self::Context>) {
        let _ = (error, scope);
    }
}

/// A client that keeps one connection to `address` alive (rotor's
/// `Persistent`, with backoff): it connects at once, and after every failed
/// attempt or disconnect waits a [`Backoff`] delay and connects again, each
/// connection running a clone of the template protocol `P` as a
/// [`Connect`] stream would. Every (re)connect is
/// [`Protocol::connected`], every failed attempt
/// [`Protocol::connect_failed`], every disconnect
/// [`Reconnect::disconnected`].
///
/// It holds no fd and no buffer while it waits, one timer at most, and
/// allocates nothing (its jitter comes from a xorshift generator seeded
/// per client). When the loop drains it stops: an attempt in progress is
/// given up (`Interrupted`), a waiting client ends, a connection hears
/// [`Protocol::drain`] and is not replaced when it ends. A loop shut down
/// runs nothing, so nothing reconnects; closing or dropping it closes the
/// connection.
///
/// It is its own seed: add it with
/// [`Persistent::start`] in [`Loop::add_machine_with`](crate::machine::Loop::add_machine_with),
/// or spawn it.
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// use std::time::Duration;
/// # use mio_core::machine::Scope;
/// # use mio_core::stream::{Intent, Protocol, Transport};
/// use mio_core::machine::{Loop, LoopConfig};
/// use mio_core::stream::{Backoff, Persistent, Reconnect};
/// use mio_core::tcp::TcpStream;
///
/// /// Subscribes to a feed on every (re)connect.
/// #[derive(Clone)]
/// struct Feed { topic: &'static str }
/// # impl Protocol for Feed {
/// #     type Context = ();
/// #     type Socket = TcpStream;
/// #     fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// #     fn bytes_read(self, _: &mut Transport<'_, TcpStream>, _: usize, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// #     fn bytes_flushed(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// #     fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> { Intent::done() }
/// # }
/// impl Reconnect for Feed {}
///
/// let addr: SocketAddr = "127.0.0.1:6379".parse().unwrap();
/// let backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(3));
/// let mut lp = Loop::<Persistent<Feed, SocketAddr>>::new(&LoopConfig::new())?;
/// lp.add_machine_with(|scope| Persistent::new(addr, Feed { topic: "news" }, backoff).start(scope))?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Persistent<P: Protocol, A> {
    address: A,
    template: P,
    backoff: Backoff,
    failures: u32,
    /// When the current connection was made.
    connected_at: Option<Instant>,
    random: u64,
    link: Option<Connect<P>>,
}

impl<P: Protocol, A: std::fmt::Debug> std::fmt::Debug for Persistent<P, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persistent")
            .field("address", &self.address)
            .field("failures", &self.failures)
            .field("linked", &self.link.is_some())
            .finish_non_exhaustive()
    }
}

impl<P, A> Persistent<P, A>
where
    P: Reconnect,
    P::Socket: AsFd,
    A: Endpoint<Socket = P::Socket>,
{
    /// A client of `address` whose connections start from clones of
    /// `template`, waiting as `backoff` says.
    pub fn new(address: A, template: P, backoff: Backoff) -> Persistent<P, A> {
        let random = std::collections::hash_map::RandomState::new().hash_one(0u64) | 1;
        Persistent { address, template, backoff, failures: 0, connected_at: None, random, link: None }
    }

    /// Adds the client to a loop being set up: it connects on the loop's
    /// first turn (the protocol is not called before the loop runs).
    pub fn start<X>(mut self, scope: &mut Scope<'_, X>) -> Created<Self> {
        self.random ^= (scope.token().0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let now = scope.now();
        Created::keep(self).deadline(now)
    }

    /// Whether a connection is up (not waiting, not connecting).
    pub fn is_connected(&self) -> bool {
        self.link.as_ref().is_some_and(|link| !link.is_connecting())
    }

    /// How many attempts in a row have failed (a connection that ended
    /// before it was stable counts as one; see [`Backoff`]).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The address it connects to.
    pub fn address(&self) -> &A {
        &self.address
    }

    /// One attempt: a new socket and a clone of the template.
    fn dial(mut self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Self> {
        if scope.is_draining() {
            return Response::done();
        }
        let socket = match self.address.connect() {
            Ok(socket) => socket,
            Err(e) => {
                self.template.clone().connect_failed(e.into(), scope);
                return self.back_off(scope);
            }
        };
        let mut outbound = Outbound::new(socket, self.template.clone());
        if let Some(timeout) = self.backoff.connect_timeout {
            outbound = outbound.deadline(scope.now() + timeout);
        }
        // A registration error was told to the clone already.
        match Connect::create(outbound, scope).0 {
            Ok((link, deadline, _)) => {
                self.link = Some(link);
                Response(Action::Keep(self, deadline.map_or(Deadline::Clear, Deadline::At)))
            }
            Err(_) => self.back_off(scope),
        }
    }

    /// Waits before the next attempt (or ends, if the loop drains).
    fn back_off(mut self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Self> {
        if scope.is_draining() {
            return Response::done();
        }
        self.link = None;
        let delay = self.backoff.delay(self.failures, xorshift(&mut self.random));
        self.failures = self.failures.saturating_add(1);
        let at = scope.now() + delay;
        Response::keep(self).deadline(at)
    }

    /// What a connection's response means for the client: kept, or ended
    /// (a disconnect, then a backoff).
    fn follow<S>(
        mut self,
        response: Response<Connect<P>, S>,
        scope: &mut Scope<'_, P::Context>,
    ) -> Response<Self, Self> {
        let error = match response.0 {
            Action::Keep(link, deadline) => {
                self.link = Some(link);
                return Response(Action::Keep(self, deadline));
            }
            // A stream never spawns.
            Action::Spawn(link, _) => {
                self.link = Some(link);
                return Response(Action::Keep(self, Deadline::Clear));
            }
            Action::Done => None,
            Action::Error(e) => Some(e),
        };
        self.template.disconnected(error, scope);
        // A connection that lasted resets the count; one the server dropped
        // at once counts as a failure, so a flapping server is retried ever
        // more slowly rather than at `initial`'s pace.
        let now = scope.now();
        if self.connected_at.take().is_some_and(|at| now.saturating_duration_since(at) >= self.backoff.max) {
            self.failures = 0;
        }
        self.back_off(scope)
    }

    /// An attempt in progress ended without a connection (it told its
    /// protocol).
    fn attempt_failed<S>(
        self,
        ended: Response<Connect<P>, S>,
        scope: &mut Scope<'_, P::Context>,
    ) -> Response<Self, Self> {
        drop(ended);
        self.back_off(scope)
    }
}

impl<P, A> Machine for Persistent<P, A>
where
    P: Reconnect,
    P::Socket: AsFd,
    A: Endpoint<Socket = P::Socket>,
{
    type Context = P::Context;
    type Seed = Persistent<P, A>;

    /// Connects at once (spawned by a running machine).
    fn create(mut seed: Self, scope: &mut Scope<'_, P::Context>) -> Created<Self> {
        seed.random ^= (scope.token().0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        match seed.dial(scope).0 {
            Action::Keep(client, Deadline::At(at)) => Created::keep(client).deadline(at),
            Action::Keep(client, _) => Created::ok(client),
            _ => Created::error(super::DRAINED_WHILE_CONNECTING),
        }
    }

    fn ready(mut self, events: EventSet, scope: &mut Scope<'_, P::Context>) -> Response<Self, Self> {
        let Some(mut link) = self.link.take() else { return Response::unchanged(self) };
        if !link.is_connecting() {
            return self.follow(link.ready(events, scope), scope);
        }
        match link.check(events, scope) {
            None => {
                self.link = Some(link);
                Response::unchanged(self)
            }
            Some(Ok(())) => {
                self.connected_at = Some(scope.now());
                self.follow(link.enter::<()>(scope), scope)
            }
            Some(Err(e)) => self.attempt_failed(link.give_up::<()>(e, scope), scope),
        }
    }

    fn timeout(mut self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Self> {
        match self.link.take() {
            None => self.dial(scope),
            Some(link) if link.is_connecting() => self.attempt_failed(link.timeout(scope), scope),
            Some(link) => self.follow(link.timeout(scope), scope),
        }
    }

    fn ended_by_loop(&self, counters: &Counters) {
        if let Some(link) = &self.link {
            link.ended_by_loop(counters);
        }
    }

    fn wakeup(mut self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Self> {
        match self.link.take() {
            Some(link) if !link.is_connecting() => self.follow(link.wakeup(scope), scope),
            link => {
                self.link = link;
                Response::unchanged(self)
            }
        }
    }

    fn drain(mut self, scope: &mut Scope<'_, P::Context>) -> Response<Self, Self> {
        match self.link.take() {
            None => Response::done(),
            Some(link) if link.is_connecting() => {
                drop(link.drain(scope));
                Response::done()
            }
            Some(link) => self.follow(link.drain(scope), scope),
        }
    }
}
