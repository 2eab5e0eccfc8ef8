//! `Resp`: one client connection, as a stream protocol.
//!
//! It expects one byte, then parses and runs every complete request in the
//! input at once (pipelining: one read, many replies, one write). An
//! incomplete request makes it expect the bytes still missing; one larger
//! than the buffer hits the stream layer's limit and is answered with an
//! error, then the connection closes.
//!
//! Closing after an error is a lingering close: the reply is flushed, the
//! write side shut down, and what the client still sends is read and dropped
//! until it closes too (or [`LINGER`] passes). Closing with unread input
//! would make the kernel send a reset, which can discard the error reply
//! before the client reads it.

use std::net::Shutdown;
use std::time::Duration;

use mio::machine::Scope;
use mio::stream::{Intent, Limit, Protocol, Transport};
use mio::tcp::TcpStream;

use crate::commands::{execute, Exec, Request, SMALL_REPLY};
use crate::db::Db;
use crate::frame::{self, error, Arg, Frame};

/// The loop's shared state.
#[derive(Debug)]
pub struct Kv {
    pub db: Db,
    /// Commands run and answered so far.
    pub answered: u64,
    /// Argument ranges of the request being run (reused, not reallocated).
    args: Vec<Arg>,
}

impl Kv {
    pub fn new(db: Db) -> Kv {
        Kv { db, answered: 0, args: Vec::with_capacity(64) }
    }
}

/// A connection's state.
#[derive(Debug)]
pub enum Resp {
    /// Running requests. `resume` is 0, or the argument where the partial
    /// MGET at the front of the input goes on.
    Serving { resume: usize },
    /// Replied to QUIT or to a malformed request: close once flushed.
    Closing,
    /// Flushed and shut down: drop input until the client closes.
    Draining,
}

/// How long a closing connection waits for the client to close.
const LINGER: Duration = Duration::from_secs(2);

const SERVING: Resp = Resp::Serving { resume: 0 };

impl Protocol for Resp {
    type Context = Kv;
    type Socket = TcpStream;

    fn create(t: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Kv>) -> Intent<Resp> {
        // Replies are complete when written: send them at once, as Redis does.
        let _ = t.socket().set_nodelay(true);
        Intent::of(SERVING).expect_bytes(1)
    }

    fn bytes_read(self, t: &mut Transport<'_, TcpStream>, _end: usize, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
        serve(self, t, scope)
    }

    fn bytes_flushed(self, t: &mut Transport<'_, TcpStream>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
        match self {
            Resp::Closing => match t.socket().shutdown(Shutdown::Write) {
                Ok(()) => Intent::of(Resp::Draining).deadline(scope.now() + LINGER).expect_bytes(1),
                Err(_) => Intent::done(),
            },
            serving => serve(serving, t, scope),
        }
    }

    /// The loop drains: an idle connection closes at once; otherwise every
    /// complete command buffered is answered (and a partial one at the
    /// front waited for), then the connection closes (see [`serve`]).
    fn drain(self, t: &mut Transport<'_, TcpStream>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
        match self {
            Resp::Serving { .. } if t.input().is_empty() && t.output().is_empty() => Intent::done(),
            Resp::Serving { .. } => serve(self, t, scope),
            other => Intent::of(other).unchanged(),
        }
    }

    fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Kv>) -> Intent<Resp> {
        Intent::done() // only a draining connection has a deadline
    }

    fn limit_exceeded(self, t: &mut Transport<'_, TcpStream>, limit: Limit, _: &mut Scope<'_, Kv>) -> Intent<Resp> {
        match limit {
            // Make room for the error first (the stream calls again after the flush).
            Limit::BufferSize { .. } | Limit::Delimiter { .. } if t.output().remaining() < SMALL_REPLY => {
                Intent::of(self).expect_flush()
            }
            Limit::BufferSize { capacity, .. } | Limit::Delimiter { max: capacity } => {
                error(t.output(), format_args!("Protocol error: request larger than the {capacity}-byte buffer"));
                Intent::of(Resp::Closing).expect_flush()
            }
            Limit::PoolExhausted => Intent::done(),
        }
    }
}

/// Runs the complete requests at the front of the input. While the loop
/// drains, it then closes: once the input is used up, or at a partial
/// request after running at least one (a partial request alone is waited
/// for: the client had started it).
fn serve(state: Resp, t: &mut Transport<'_, TcpStream>, scope: &mut Scope<'_, Kv>) -> Intent<Resp> {
    let mut resume = match state {
        Resp::Serving { resume } => resume,
        Resp::Closing => return Intent::of(state).expect_flush(),
        Resp::Draining => {
            t.input().consume(usize::MAX);
            return Intent::of(state).unchanged();
        }
    };
    let now = scope.db.tick(scope.now());
    let (draining, mut ran) = (scope.is_draining(), false);
    let Kv { db, answered, args } = &mut **scope;
    let (input, output) = t.buffers();
    while !input.is_empty() {
        match frame::parse(input.data(), args) {
            Frame::Partial(_) if draining && ran => return Intent::of(Resp::Closing).expect_flush(),
            Frame::Partial(need) => return Intent::of(SERVING).expect_bytes(need),
            Frame::Empty(len) => input.consume(len),
            Frame::Invalid(_) if output.remaining() < SMALL_REPLY => {
                return Intent::of(Resp::Serving { resume }).expect_flush();
            }
            Frame::Invalid(e) => {
                error(output, format_args!("Protocol error: {e}"));
                return Intent::of(Resp::Closing).expect_flush();
            }
            Frame::Command(len) => match execute(db, &Request { data: input.data(), args }, output, now, resume) {
                Exec::Done => {
                    input.consume(len);
                    resume = 0;
                    (*answered, ran) = (*answered + 1, true);
                }
                Exec::Blocked => return Intent::of(Resp::Serving { resume }).expect_flush(),
                Exec::Partial(next) => return Intent::of(Resp::Serving { resume: next }).expect_flush(),
                Exec::Quit => {
                    input.consume(len);
                    *answered += 1;
                    return Intent::of(Resp::Closing).expect_flush();
                }
            },
        }
    }
    if draining {
        return Intent::of(Resp::Closing).expect_flush();
    }
    Intent::of(SERVING).expect_bytes(1)
}
