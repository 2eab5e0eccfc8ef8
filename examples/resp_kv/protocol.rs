//! `Resp`: one client connection, as a stream protocol.
//!
//! It expects one byte, then parses and runs every complete request in the
//! input at once (pipelining: one read, many replies, one write). An
//! incomplete request makes it expect the bytes still missing. A multibulk
//! request that cannot fit in the buffer (a large value) is read into memory
//! instead ([`Spill`]): the arguments that are in are copied out, a large
//! one streams in by chunks (`expect_chunk`), then the command runs. A large
//! value in a reply is queued after its `$len` line ([`Exec::QueueFull`]
//! when the queue is full: the value waits in [`Resp::Queueing`] for a
//! flush, and replies keep their order).
//!
//! The connection's [`Client`] (its name, its transaction) travels with the
//! state: [`serve`] takes it out while it runs commands, and puts it back
//! into the state it returns; a closing connection drops it.
//!
//! Closing after an error is a lingering close: the reply is flushed, the
//! write side shut down, and what the client still sends is read and dropped
//! until it closes too (or [`LINGER`] passes). Closing with unread input
//! would make the kernel send a reset, which can discard the error reply
//! before the client reads it.
//!
//! The socket is the crate root's `Socket`: `TcpStream` in the server,
//! `mio::testing::SimSocket` in the tests that drive this protocol on the
//! harness (`tests/example_protocols/`).

use std::net::Shutdown;
use std::time::Duration;

use mio::machine::Scope;
use mio::stream::{Bytes, Input, Intent, Limit, Output, Protocol, QueueFull, Transport};

use crate::args::InBuffer;
use crate::client::Client;
use crate::commands::{execute, Exec, SMALL_REPLY};
use crate::db::Db;
use crate::frame::{self, error, Arg, Frame, ProtocolError};
use crate::spill::{Received, Spill};
use crate::Socket;

/// The loop's shared state.
#[derive(Debug)]
pub struct Kv {
    pub db: Db,
    /// Commands run and answered so far.
    pub answered: u64,
    /// Argument ranges of the request being run (reused, not reallocated).
    args: Vec<Arg>,
    /// The longest bulk argument accepted (`proto-max-bulk-len`).
    max_bulk: usize,
}

impl Kv {
    pub fn new(mut db: Db, max_bulk: usize) -> Kv {
        db.max_value = max_bulk;
        Kv { db, answered: 0, args: Vec::with_capacity(64), max_bulk }
    }
}

/// A connection's state. The rare states are boxed, so the common one
/// keeps a connection small.
#[derive(Debug)]
pub enum Resp {
    /// Running requests. `resume` is 0, or the argument where the partial
    /// MGET at the front of the input goes on.
    Serving { resume: usize, client: Client },
    /// Reading a request larger than the buffer, or running it.
    Receiving(Box<Spill>, Client),
    /// A value waits for room in the output queue.
    Queueing(Box<Queued>),
    /// Replied to QUIT or to a malformed request: close once flushed.
    Closing,
    /// Flushed and shut down: drop input until the client closes.
    Draining,
}

/// A bulk value whose `$len` line is written, to queue once the output is
/// flushed (then `\r\n`), and the state to go on in.
#[derive(Debug)]
pub struct Queued {
    value: Bytes,
    then: Resp,
}

/// How long a closing connection waits for the client to close.
const LINGER: Duration = Duration::from_secs(2);

const SERVING: Resp = Resp::Serving { resume: 0, client: Client::NEW };

/// Serving, with a partial reply to go on with at `resume` (the client is
/// put in by [`serve`]).
fn serving(resume: usize) -> Resp {
    Resp::Serving { resume, client: Client::NEW }
}

impl Resp {
    /// The connection's client, in the state or in the one it goes on in;
    /// none once closing.
    fn client_mut(&mut self) -> Option<&mut Client> {
        match self {
            Resp::Serving { client, .. } | Resp::Receiving(_, client) => Some(client),
            Resp::Queueing(queued) => queued.then.client_mut(),
            Resp::Closing | Resp::Draining => None,
        }
    }
}

impl Protocol for Resp {
    type Context = Kv;
    type Socket = Socket;

    fn create(t: &mut Transport<'_, Socket>, _: &mut Scope<'_, Kv>) -> Intent<Resp> {
        // Replies are complete when written: send them at once, as Redis does.
        let _ = t.socket().set_nodelay(true);
        Intent::of(SERVING).expect_bytes(1)
    }

    fn bytes_read(self, t: &mut Transport<'_, Socket>, _end: usize, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
        serve(self, t, scope)
    }

    fn bytes_flushed(self, t: &mut Transport<'_, Socket>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
        match self {
            Resp::Closing => match t.socket().shutdown(Shutdown::Write) {
                Ok(()) => Intent::of(Resp::Draining).deadline(scope.now() + LINGER).expect_bytes(1),
                Err(_) => Intent::done(),
            },
            serving => serve(serving, t, scope),
        }
    }

    /// The loop drains: an idle connection closes at once; otherwise every
    /// complete request buffered is answered (and a partial one at the
    /// front waited for), then the connection closes (see [`run`]).
    fn drain(self, t: &mut Transport<'_, Socket>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
        match self {
            Resp::Serving { .. } if t.input().is_empty() && t.output().is_empty() => Intent::done(),
            Resp::Serving { .. } => serve(self, t, scope),
            other => Intent::of(other).unchanged(),
        }
    }

    fn timeout(self, _: &mut Transport<'_, Socket>, _: &mut Scope<'_, Kv>) -> Intent<Resp> {
        Intent::done() // only a draining connection has a deadline
    }

    fn limit_exceeded(self, t: &mut Transport<'_, Socket>, limit: Limit, _: &mut Scope<'_, Kv>) -> Intent<Resp> {
        match limit {
            // Make room for the error first (the stream calls again after the flush).
            Limit::BufferSize { .. } | Limit::Delimiter { .. } if t.output().remaining() < SMALL_REPLY => {
                Intent::of(self).expect_flush()
            }
            // An inline request, or a `*` or `$` line, as long as the buffer.
            Limit::BufferSize { capacity, .. } | Limit::Delimiter { max: capacity } => {
                error(t.output(), format_args!("Protocol error: request larger than the {capacity}-byte buffer"));
                Intent::of(Resp::Closing).expect_flush()
            }
            Limit::PoolExhausted => Intent::done(),
        }
    }
}

/// What one state's step leads to: wait for the stream, or go on at once
/// in another state.
enum Step {
    Wait(Intent<Resp>),
    Then(Resp),
    /// Between requests: `n` more bytes may complete the next one.
    Next(usize),
}

/// Runs what the input and the state allow (see [`run`]), with the
/// connection's client taken out of the state and put back after.
fn serve(mut state: Resp, t: &mut Transport<'_, Socket>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
    let mut client = state.client_mut().map(std::mem::take).unwrap_or_default();
    run(state, &mut client, t, scope).map(|mut state| {
        if let Some(slot) = state.client_mut() {
            *slot = client;
        }
        state
    })
}

/// Runs what the input and the state allow: the complete requests at the
/// front of the input, a spilled request, a queued value. While the loop
/// drains, the connection then closes between requests: once the input is
/// used up, or at a partial request after running at least one (a partial
/// request alone is waited for: the client had started it).
fn run(mut state: Resp, client: &mut Client, t: &mut Transport<'_, Socket>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
    let now = scope.db.tick(scope.now());
    let draining = scope.is_draining();
    let Kv { db, answered, args, max_bulk } = &mut **scope;
    let answered_before = *answered;
    let (input, output) = t.buffers();
    loop {
        let step = match state {
            Resp::Serving { resume, .. } => {
                serve_buffered(resume, (db, answered), client, args, *max_bulk, input, output, now)
            }
            Resp::Receiving(spill, _) => serve_spilled(spill, (db, answered), client, *max_bulk, input, output, now),
            Resp::Queueing(queued) => send_queued(queued, output),
            Resp::Closing => Step::Wait(Intent::of(state).expect_flush()),
            Resp::Draining => {
                input.consume(usize::MAX);
                Step::Wait(Intent::of(state).unchanged())
            }
        };
        match step {
            Step::Wait(intent) => return intent,
            Step::Then(next) => state = next,
            Step::Next(_) if draining && (input.is_empty() || *answered > answered_before) => {
                return Intent::of(Resp::Closing).expect_flush();
            }
            Step::Next(need) => return Intent::of(SERVING).expect_bytes(need),
        }
    }
}

/// Runs the complete requests at the front of the input, parsed in place.
#[allow(clippy::too_many_arguments)]
fn serve_buffered(
    mut resume: usize,
    (db, answered): (&mut Db, &mut u64),
    client: &mut Client,
    args: &mut Vec<Arg>,
    max_bulk: usize,
    input: &mut Input<'_>,
    output: &mut Output<'_>,
    now: u64,
) -> Step {
    while !input.is_empty() {
        match frame::parse(input.data(), args, max_bulk) {
            Frame::Partial(need) if need > input.capacity() => match Spill::start(input.data()) {
                Some((spill, used)) => {
                    input.consume(used);
                    return Step::Then(Resp::Receiving(Box::new(spill), Client::NEW));
                }
                None => return Step::Wait(Intent::of(SERVING).expect_bytes(need)), // the limit's error
            },
            Frame::Partial(need) => return Step::Next(need),
            Frame::Empty(len) => input.consume(len),
            Frame::Invalid(e) => return protocol_error(serving(resume), e, output),
            Frame::Command(len) => {
                let request = &mut InBuffer { data: input.data(), args };
                match execute(db, client, request, output, now, resume) {
                    Exec::Done => {
                        input.consume(len);
                        resume = 0;
                        *answered += 1;
                    }
                    Exec::Blocked => return Step::Wait(Intent::of(serving(resume)).expect_flush()),
                    Exec::Partial(next) => return Step::Wait(Intent::of(serving(next)).expect_flush()),
                    Exec::QueueFull(value, resume) => {
                        let then = match resume {
                            Some(next) => serving(next),
                            None => {
                                input.consume(len);
                                *answered += 1;
                                SERVING
                            }
                        };
                        return wait_to_queue(value, then);
                    }
                    Exec::Quit => {
                        input.consume(len);
                        *answered += 1;
                        return Step::Wait(Intent::of(Resp::Closing).expect_flush());
                    }
                }
            }
        }
    }
    Step::Next(1)
}

/// Reads what has arrived of a request larger than the buffer, and runs it
/// once it is all in.
fn serve_spilled(
    mut spill: Box<Spill>,
    (db, answered): (&mut Db, &mut u64),
    client: &mut Client,
    max_bulk: usize,
    input: &mut Input<'_>,
    output: &mut Output<'_>,
    now: u64,
) -> Step {
    let (used, received) = spill.receive(input.data(), max_bulk);
    input.consume(used);
    let resume = spill.resume;
    match received {
        Received::Chunk(n) => Step::Wait(Intent::of(Resp::Receiving(spill, Client::NEW)).expect_chunk(n)),
        Received::Bytes(n) => Step::Wait(Intent::of(Resp::Receiving(spill, Client::NEW)).expect_bytes(n)),
        Received::Invalid(e) => protocol_error(Resp::Receiving(spill, Client::NEW), e, output),
        Received::Complete => match execute(db, client, &mut *spill, output, now, resume) {
            Exec::Done => {
                *answered += 1;
                Step::Then(SERVING)
            }
            Exec::Blocked => Step::Wait(Intent::of(Resp::Receiving(spill, Client::NEW)).expect_flush()),
            Exec::Partial(next) => {
                spill.resume = next;
                Step::Wait(Intent::of(Resp::Receiving(spill, Client::NEW)).expect_flush())
            }
            Exec::QueueFull(value, resume) => {
                let then = match resume {
                    Some(next) => {
                        spill.resume = next;
                        Resp::Receiving(spill, Client::NEW)
                    }
                    None => {
                        *answered += 1;
                        SERVING
                    }
                };
                wait_to_queue(value, then)
            }
            Exec::Quit => {
                *answered += 1;
                Step::Wait(Intent::of(Resp::Closing).expect_flush())
            }
        },
    }
}

/// Waits for a flush to queue `value`, then goes on in `then`.
fn wait_to_queue(value: Bytes, then: Resp) -> Step {
    Step::Wait(Intent::of(Resp::Queueing(Box::new(Queued { value, then }))).expect_flush())
}

/// Queues the waiting value and its `\r\n` (the output is flushed, so this
/// connection's queue is empty). If every entry of the loop's table is
/// taken by other connections, it copies what fits instead, flush by flush.
fn send_queued(mut queued: Box<Queued>, output: &mut Output<'_>) -> Step {
    if !queued.value.is_empty() {
        if let Err(QueueFull(rest)) = output.queue(std::mem::take(&mut queued.value)) {
            let n = output.push(&rest);
            queued.value = rest.slice(n..);
        }
    }
    if queued.value.is_empty() && output.remaining() >= 2 {
        output.push(b"\r\n");
        return Step::Then(queued.then);
    }
    Step::Wait(Intent::of(Resp::Queueing(queued)).expect_flush())
}

/// Answers a malformed request and closes, once there is room for the
/// error (until then, `state` waits for a flush and tries again).
fn protocol_error(state: Resp, e: ProtocolError, output: &mut Output<'_>) -> Step {
    if output.remaining() < SMALL_REPLY {
        return Step::Wait(Intent::of(state).expect_flush());
    }
    error(output, format_args!("Protocol error: {e}"));
    Step::Wait(Intent::of(Resp::Closing).expect_flush())
}
