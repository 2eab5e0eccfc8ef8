//! One round of a stream: from the event that starts it (creation,
//! readiness, deadline, wake-up) to the protocol waiting for something that
//! has not happened, or the connection's end.
//!
//! A round runs in named steps:
//! - [`round`] borrows the loop's memory and hands it back; its exit,
//!   [`settle`], is the one place a connection's memory is returned, on
//!   every way a round can end;
//! - [`start`] looks the chunks up once and makes the first callback;
//! - [`drive`] follows intents: [`follow`] applies one, [`next_due`] does
//!   the IO that can meet it, [`call`] runs the callback that is due, and
//!   [`wait`] arms the socket when nothing more can happen this round.

use std::io;

use super::conn::{Conn, Due, Io, WAITING};
use super::intent::{ExpectKind, IntentKind, PackedExpectation};
use super::{Intent, Limit, Protocol};
use crate::buffers::{Buffers, Chunks, NO_CHUNK};
use crate::machine::{Deadline, MachineError, Scope};
use crate::EventSet;

/// How many callbacks in a row may leave input, output, expectation and
/// end-of-stream unchanged before the stream gives up on the protocol (a
/// protocol bug that would otherwise spin).
const MAX_IDLE_CALLBACKS: u32 = 2;

const NO_PROGRESS: MachineError = MachineError::new(io::ErrorKind::Other, "protocol made no progress");
const POOL_EXHAUSTED: MachineError = MachineError::new(io::ErrorKind::OutOfMemory, "buffer pool exhausted");
const NO_BUFFERS: MachineError =
    MachineError::new(io::ErrorKind::Unsupported, "no buffers in this scope (a stream inside a stream's callback)");

/// What starts a round.
pub(super) enum Start<P> {
    Create,
    /// An outbound connection completed (see `Connect`).
    Connected(P),
    Ready(P, EventSet),
    Timeout(P),
    Wakeup(P),
    Drain(P),
}

impl<P: Protocol> Start<P> {
    /// The per-state count the connection is in as the round starts, for a
    /// protocol with named states.
    #[inline]
    fn state(&self) -> Option<usize> {
        P::state_names()?;
        match self {
            Start::Create | Start::Connected(_) => None,
            Start::Ready(p, _) | Start::Timeout(p) | Start::Wakeup(p) | Start::Drain(p) => Some(p.state_index()),
        }
    }
}

/// How a round ended.
pub(super) enum Outcome<P> {
    /// Keep the connection, with what happened to its deadline.
    Keep(P, Deadline),
    /// The connection ended without error.
    Close,
    /// The connection ended with an error for the loop's error hook.
    Fail(MachineError),
}

/// Runs one round of `conn`: the stream layer's single entry and exit.
pub(super) fn round<P: Protocol>(
    conn: &mut Conn<P::Socket>,
    start_with: Start<P>,
    scope: &mut Scope<'_, P::Context>,
) -> Outcome<P> {
    // The memory leaves the scope for the round, so callbacks can have the
    // scope while the transport borrows the chunks.
    let state = start_with.state();
    let Some(buffers) = scope.lend_buffers() else {
        if let (Some(names), Some(_)) = (P::state_names(), state) {
            scope.counters().states.moved(names, state, None);
        }
        return Outcome::Fail(NO_BUFFERS);
    };
    let outcome = start(conn, start_with, scope, buffers);
    settle(conn, state, &outcome, buffers);
    scope.return_buffers(buffers);
    outcome
}

/// The one place a round gives memory back. A kept connection returns the
/// chunks it left empty (an idle connection holds none); an ended one
/// returns everything, whatever it still held: unread input, unsent output,
/// queued values.
///
/// And the one place a connection moves between per-state counts: out of
/// the `state` it started the round in (`None`: created in this round), into
/// the one it is kept in, if any. (A connection the loop drops between
/// rounds takes itself out in `Machine::ended_by_loop`.)
fn settle<S, P: Protocol>(conn: &mut Conn<S>, state: Option<usize>, outcome: &Outcome<P>, buffers: &mut Buffers) {
    let kept = match outcome {
        Outcome::Keep(p, _) => Some(p),
        _ => None,
    };
    release(&mut conn.input, &mut buffers.chunks, kept.is_none());
    release(&mut conn.output, &mut buffers.chunks, kept.is_none());
    if kept.is_none() {
        buffers.values.clear(&mut conn.queue);
    }
    if let Some(names) = P::state_names() {
        let now = kept.map(P::state_index);
        if now != state {
            buffers.counters.states.moved(names, state, now);
        }
    }
}

fn release(held: &mut super::transport::Held, chunks: &mut Chunks, all: bool) {
    if held.chunk != NO_CHUNK && (all || held.len() == 0) {
        chunks.give(held.chunk);
        *held = super::transport::Held::NONE;
    }
}

fn acquire(held: &mut super::transport::Held, chunks: &mut Chunks, owner: u32) -> bool {
    if held.chunk == NO_CHUNK {
        match chunks.take(owner) {
            Some(chunk) => held.chunk = chunk,
            None => return false,
        }
    }
    true
}

/// Takes the chunks, looks them up once, and makes the round's first call.
fn start<P: Protocol>(
    conn: &mut Conn<P::Socket>,
    start: Start<P>,
    scope: &mut Scope<'_, P::Context>,
    buffers: &mut Buffers,
) -> Outcome<P> {
    let owner = scope.token.0 as u32;
    let have_buffers =
        acquire(&mut conn.input, &mut buffers.chunks, owner) & acquire(&mut conn.output, &mut buffers.chunks, owner);
    // Only readiness resumes where the last round stopped waiting (a
    // callback may consume input or change the expectation): nothing
    // buffered was due, and a delimiter search goes on from the end.
    let waited = matches!(start, Start::Ready(..)) && conn.is(WAITING);
    let searched = if waited { conn.input.len() } else { 0 };
    conn.set(WAITING, false);
    let (input, output) = buffers.chunks.pair_mut(conn.input.chunk, conn.output.chunk);
    let mut io = Io { conn, input, output, values: &mut buffers.values, owner, counters: &buffers.counters };
    let intent = match start {
        Start::Create if !have_buffers => return Outcome::Fail(POOL_EXHAUSTED),
        Start::Create => P::create(&mut io.transport(), scope),
        Start::Connected(p) if !have_buffers => {
            p.connect_failed(POOL_EXHAUSTED, scope);
            return Outcome::Fail(POOL_EXHAUSTED);
        }
        Start::Connected(p) => p.connected(&mut io.transport(), scope),
        Start::Ready(p, events) => {
            io.conn.note(events);
            Intent(IntentKind::Unchanged(p, None))
        }
        Start::Timeout(p) => p.timeout(&mut io.transport(), scope),
        Start::Wakeup(p) => p.wakeup(&mut io.transport(), scope),
        Start::Drain(p) => p.drain(&mut io.transport(), scope),
    };
    if have_buffers {
        drive(&mut io, intent, searched, waited, scope)
    } else {
        starve(&mut io, intent, scope)
    }
}

/// Follows intents until the protocol waits or the connection ends.
fn drive<P: Protocol>(
    io: &mut Io<'_, P::Socket>,
    intent: Intent<P>,
    mut searched: usize,
    waited: bool,
    scope: &mut Scope<'_, P::Context>,
) -> Outcome<P> {
    let mut deadline = Deadline::Unchanged;
    let mut check = !waited;
    let mut p = match follow(io, intent, &mut deadline) {
        Ok(p) => p,
        Err(end) => return end,
    };
    let mut idle = 0;
    loop {
        let due = match next_due(io, &mut searched, check) {
            Ok(Some(due)) => due,
            Ok(None) => return wait(io, p, deadline, scope),
            Err(e) => {
                p.error(e.into(), scope);
                return Outcome::Close;
            }
        };
        let before = Progress::of(io.conn);
        let intent = call(p, due, io, scope);
        searched = 0;
        check = true;
        p = match follow(io, intent, &mut deadline) {
            Ok(p) => p,
            Err(end) => return end,
        };
        if Progress::of(io.conn) == before {
            idle += 1;
            if idle >= MAX_IDLE_CALLBACKS {
                return Outcome::Fail(NO_PROGRESS);
            }
        } else {
            idle = 0;
        }
    }
}

/// Applies an intent: the protocol's next state, or the round's end. A
/// `done` gets one last write of pending output.
#[inline]
fn follow<P: Protocol>(
    io: &mut Io<'_, P::Socket>,
    intent: Intent<P>,
    deadline: &mut Deadline,
) -> Result<P, Outcome<P>> {
    match intent.0 {
        IntentKind::Expect(p, expect, at) => {
            io.conn.expect = expect.into();
            *deadline = at.map_or(Deadline::Clear, Deadline::At);
            Ok(p)
        }
        IntentKind::Unchanged(p, at) => {
            if let Some(at) = at {
                *deadline = Deadline::At(at);
            }
            Ok(p)
        }
        IntentKind::Done => {
            if io.can_write() {
                let _ = io.write();
            }
            Err(Outcome::Close)
        }
        IntentKind::Error(e) => Err(Outcome::Fail(e)),
    }
}

/// The callback due next, after the IO that can bring it about: a callback
/// due from what is buffered runs before any IO, so the replies to
/// pipelined frames leave in one write; then pending output is written,
/// then the socket read while it may hold more (one read when it comes up
/// short, more after a hup: data and FIN can share one edge).
///
/// What is due is checked again only when something it depends on may have
/// changed: not before the IO of a round resumed by readiness after one that
/// ended waiting (nothing buffered was due then), and after a write only for
/// a flush (nothing else that is due depends on output).
#[inline]
fn next_due<S: std::io::Read + std::io::Write + crate::Evented>(
    io: &mut Io<'_, S>,
    searched: &mut usize,
    mut check: bool,
) -> io::Result<Option<Due>> {
    loop {
        if check {
            if let Some(due) = io.due(searched) {
                return Ok(Some(due));
            }
        }
        if io.can_write() {
            io.write()?;
            check = io.conn.expect.kind == ExpectKind::Flush;
        } else if io.can_read() {
            io.read()?;
            check = true;
        } else {
            return Ok(None);
        }
    }
}

/// Runs the callback that is due.
#[inline]
fn call<P: Protocol>(p: P, due: Due, io: &mut Io<'_, P::Socket>, scope: &mut Scope<'_, P::Context>) -> Intent<P> {
    let transport = &mut io.transport();
    match due {
        Due::Read(end) => p.bytes_read(transport, end, scope),
        Due::Flushed => p.bytes_flushed(transport, scope),
        Due::Eof => p.end_of_stream(transport, scope),
        Due::Limit(limit) => p.limit_exceeded(transport, limit, scope),
    }
}

/// Nothing more can happen this round: writable interest follows pending
/// output, and the connection waits with its deadline.
fn wait<P: Protocol>(
    io: &mut Io<'_, P::Socket>,
    p: P,
    deadline: Deadline,
    scope: &mut Scope<'_, P::Context>,
) -> Outcome<P> {
    if let Err(e) = io.arm(scope) {
        p.error(e.into(), scope);
        return Outcome::Close;
    }
    io.conn.set(WAITING, true);
    Outcome::Keep(p, deadline)
}

/// The pool had no chunk for this connection: nothing can be read or
/// written, and the protocol hears of it once a round (its default closes).
fn starve<P: Protocol>(io: &mut Io<'_, P::Socket>, intent: Intent<P>, scope: &mut Scope<'_, P::Context>) -> Outcome<P> {
    let mut deadline = Deadline::Unchanged;
    let p = match follow(io, intent, &mut deadline) {
        Ok(p) => p,
        Err(end) => return end,
    };
    let intent = p.limit_exceeded(&mut io.transport(), Limit::PoolExhausted, scope);
    match follow(io, intent, &mut deadline) {
        Ok(p) => Outcome::Keep(p, deadline),
        Err(end) => end,
    }
}

/// What a callback could change: a callback after which none of it
/// changed (the expectation it returned included) made no progress.
#[derive(Copy, Clone, PartialEq, Eq)]
struct Progress {
    input: usize,
    output: usize,
    queue: u32,
    expect: PackedExpectation,
}

impl Progress {
    #[inline]
    fn of<S>(conn: &Conn<S>) -> Progress {
        // The first queued entry changes when a value is queued into an
        // empty queue or one is written; a value queued behind others does
        // not count as progress by itself (the queue is bounded anyway).
        Progress { input: conn.input.len(), output: conn.output.len(), queue: conn.queue.first, expect: conn.expect }
    }
}
