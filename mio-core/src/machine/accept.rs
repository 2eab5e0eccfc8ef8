//! `Accept`: the ready-made listener machine.

use std::io;
use std::time::Duration;

use super::{Created, Machine, Response, Scope, SpawnError};
use crate::counters::Counters;
use crate::{EventSet, Evented, PollOpt};

/// How long [`Accept`] waits before accepting again after running out of
/// file descriptors or machine slots.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A listening socket that [`Accept`] can drive.
pub trait Listener: Evented {
    /// The connection type `accept` returns.
    type Stream;

    /// Accepts one connection.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when none is waiting, or the OS error of `accept4`.
    fn accept_stream(&self) -> io::Result<Self::Stream>;
}

/// A listener plus the connections it spawns, as one machine type (rotor's
/// design): `Accept::Server` accepts until `WouldBlock`, spawning one `C` per
/// connection through `C::create`; `Accept::Conn` is such a connection.
///
/// Faults are handled without spinning: when `accept` fails for lack of
/// resources (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`), with an error that
/// would come back on every call (`EINVAL` from a listener that was shut
/// down), or the machine slab is full, the server waits [`ACCEPT_BACKOFF`]
/// on a timer and tries again — an edge-triggered listener would otherwise
/// wait forever for an edge a full backlog never brings, and a
/// level-triggered one would spin. Errors about the one connection being
/// accepted (`ECONNABORTED`, `EPROTO`, `EPERM`, `ETIMEDOUT`, `EINTR`) move on
/// to the next. Connections refused by a full slab are closed.
///
/// When the loop drains, the listener closes at once and each connection's
/// [`Machine::drain`] is called.
#[derive(Debug)]
pub enum Accept<L, C> {
    /// The listening socket.
    Server(L),
    /// One accepted connection's machine.
    Conn(C),
}

impl<L, C> Accept<L, C>
where
    L: Listener,
    C: Machine,
    C::Seed: From<L::Stream>,
{
    /// Registers `listener` (edge-triggered readable) under the new machine's
    /// token. Use it in [`Loop::add_machine_with`](super::Loop::add_machine_with).
    pub fn new<X>(listener: L, scope: &mut Scope<'_, X>) -> Created<Self> {
        match scope.register(&listener, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(Accept::Server(listener)),
            Err(e) => Created::error(e.into()),
        }
    }

    fn accept_all(listener: L, scope: &mut Scope<'_, C::Context>) -> Response<Self, C::Seed> {
        loop {
            match listener.accept_stream() {
                Ok(stream) => {
                    scope.counters().accepts.add(1);
                    return Response::spawn(Accept::Server(listener), C::Seed::from(stream));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Response::ok(Accept::Server(listener)),
                // That connection is gone (or the call was interrupted): the
                // next one may be fine. Each such error consumes a pending
                // connection, so this ends.
                Err(e) if is_connection_gone(&e) => continue,
                // Out of resources, or an error that would come back on every
                // call (a listener shut down: `EINVAL`): retrying at once
                // would spin, so wait on a timer.
                Err(_) => return Response::keep(Accept::Server(listener)).deadline(scope.now() + ACCEPT_BACKOFF),
            }
        }
    }
}

/// An `accept` error about the one connection it tried to take (aborted
/// before it was accepted, a protocol error on it, a firewall's refusal) or
/// an interrupted call: the listener itself is fine.
fn is_connection_gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Interrupted
        || matches!(e.raw_os_error(), Some(libc::ECONNABORTED | libc::EPROTO | libc::EPERM | libc::ETIMEDOUT))
}

impl<L, C> Machine for Accept<L, C>
where
    L: Listener,
    C: Machine,
    C::Seed: From<L::Stream>,
{
    type Context = C::Context;
    type Seed = C::Seed;

    fn create(seed: C::Seed, scope: &mut Scope<'_, C::Context>) -> Created<Self> {
        C::create(seed, scope).map(Accept::Conn)
    }

    fn ready(self, events: EventSet, scope: &mut Scope<'_, C::Context>) -> Response<Self, C::Seed> {
        match self {
            Accept::Server(l) => Self::accept_all(l, scope),
            Accept::Conn(c) => c.ready(events, scope).map(Accept::Conn, |s| s),
        }
    }

    fn spawned(self, scope: &mut Scope<'_, C::Context>) -> Response<Self, C::Seed> {
        match self {
            Accept::Server(l) => Self::accept_all(l, scope),
            Accept::Conn(c) => c.spawned(scope).map(Accept::Conn, |s| s),
        }
    }

    fn spawn_error(self, scope: &mut Scope<'_, C::Context>, error: SpawnError<C::Seed>) -> Response<Self, C::Seed> {
        match self {
            Accept::Server(l) => {
                drop(error);
                Response::keep(Accept::Server(l)).deadline(scope.now() + ACCEPT_BACKOFF)
            }
            Accept::Conn(c) => c.spawn_error(scope, error).map(Accept::Conn, |s| s),
        }
    }

    fn timeout(self, scope: &mut Scope<'_, C::Context>) -> Response<Self, C::Seed> {
        match self {
            Accept::Server(l) => Self::accept_all(l, scope),
            Accept::Conn(c) => c.timeout(scope).map(Accept::Conn, |s| s),
        }
    }

    fn ended_by_loop(&self, counters: &Counters) {
        if let Accept::Conn(c) = self {
            c.ended_by_loop(counters);
        }
    }

    fn wakeup(self, scope: &mut Scope<'_, C::Context>) -> Response<Self, C::Seed> {
        match self {
            // Spurious: a backoff deadline, if any, stays.
            Accept::Server(l) => Response::unchanged(Accept::Server(l)),
            Accept::Conn(c) => c.wakeup(scope).map(Accept::Conn, |s| s),
        }
    }

    /// The listener closes at once (it accepts nothing more); a connection
    /// hears of the drain.
    fn drain(self, scope: &mut Scope<'_, C::Context>) -> Response<Self, C::Seed> {
        match self {
            Accept::Server(_) => Response::done(),
            Accept::Conn(c) => c.drain(scope).map(Accept::Conn, |s| s),
        }
    }
}
