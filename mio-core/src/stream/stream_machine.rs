//! `Stream<P>`: the machine that drives a `Protocol` over a stream socket.

use std::io;

use super::conn::Conn;
use super::round::{round, Outcome, Start};
use super::Protocol;
use crate::counters::Counters;
use crate::machine::{Action, Created, Deadline, Machine, MachineError, Response, Scope};
use crate::{EventSet, PollOpt};

const CLOSED_AT_CREATE: MachineError = MachineError::new(io::ErrorKind::Other, "protocol closed at create");

/// A connection: a stream socket, its buffers and a [`Protocol`] state.
///
/// Reads happen when the socket is readable and there is room; a read
/// shorter than the room means the socket is drained, so the stream does not
/// read again until the next readiness event (one `read` per message).
/// A round reads at most [`READS_PER_ROUND`](super::READS_PER_ROUND) times;
/// a connection with more to read then resumes itself after the loop's
/// other events, so one fast sender cannot starve the rest. On the
/// portable poll(2) backend, whose emulated edge is re-armed only by
/// `WouldBlock`, reads and writes go on until `WouldBlock` instead. Output
/// is written as soon as the protocol waits for something not yet buffered
/// (so replies to pipelined frames leave in one `write`); the socket's
/// writable interest is armed only while output is pending. Buffers come from the loop's pool
/// (see [`LoopConfig::buffers`](crate::machine::LoopConfig::buffers)) and go
/// back as soon as they are empty, so an idle connection holds none.
///
/// Its seed is the socket: `Stream<P>` plugs into
/// [`Accept`](crate::machine::Accept) for any listener whose connections are
/// `P::Socket`.
#[derive(Debug)]
pub struct Stream<P: Protocol> {
    pub(super) conn: Conn<P::Socket>,
    pub(super) protocol: P,
}

impl<P: Protocol> Stream<P> {
    /// The protocol's state, between rounds (for the test harness).
    pub(crate) fn protocol(&self) -> &P {
        &self.protocol
    }
}

impl<P: Protocol> Machine for Stream<P> {
    type Context = P::Context;
    type Seed = P::Socket;

    fn create(socket: P::Socket, scope: &mut Scope<'_, P::Context>) -> Created<Self> {
        if let Err(e) = scope.register(&socket, EventSet::readable(), PollOpt::edge()) {
            return Created::error(e.into());
        }
        let mut conn = Conn::new(socket);
        match round(&mut conn, Start::Create, scope) {
            Outcome::Keep(protocol, Deadline::At(at)) => Created::keep(Stream { conn, protocol }).deadline(at),
            Outcome::Keep(protocol, _) => Created::ok(Stream { conn, protocol }),
            Outcome::Close => Created::error(CLOSED_AT_CREATE),
            Outcome::Fail(e) => Created::error(e),
        }
    }

    #[inline]
    fn ready(self, events: EventSet, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Ready(protocol, events), scope, same)
    }

    fn timeout(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Timeout(protocol), scope, same)
    }

    fn ended_by_loop(&self, counters: &Counters) {
        if let Some(names) = P::state_names() {
            counters.states.moved(names, Some(self.protocol.state_index()), None);
        }
    }

    fn wakeup(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Wakeup(protocol), scope, same)
    }

    /// Calls [`Protocol::drain`].
    fn drain(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Drain(protocol), scope, same)
    }
}

/// Runs a round of a kept stream and turns its outcome into the response of
/// the machine `wrap` makes of the stream (`Stream` itself, or a machine
/// holding one: [`Connect`](super::Connect)); a stream never spawns, so any
/// seed type will do.
#[inline]
pub(super) fn resume<P: Protocol, M, S>(
    mut conn: Conn<P::Socket>,
    start: Start<P>,
    scope: &mut Scope<'_, P::Context>,
    wrap: fn(Stream<P>) -> M,
) -> Response<M, S> {
    Response(match round(&mut conn, start, scope) {
        Outcome::Keep(protocol, deadline) => Action::Keep(wrap(Stream { conn, protocol }), deadline),
        Outcome::Close => Action::Done,
        Outcome::Fail(e) => Action::Error(e),
    })
}

/// `wrap` for `Stream` itself.
#[inline(always)]
fn same<P: Protocol>(stream: Stream<P>) -> Stream<P> {
    stream
}
