//! `Next`: the checked intent that `#[machine(protocol)]` state handlers
//! return, and the traits the generated code implements to check it.

use std::time::Instant;

use super::{Intent, IntentBuilder, Limit};
use crate::machine::MachineError;

/// Why a `#[machine(protocol)]` state handler is called: one value per
/// [`Protocol`](super::Protocol) callback.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The expectation is met: `transport.input().data()[..end]` is the
    /// frame ([`Protocol::bytes_read`](super::Protocol::bytes_read)).
    BytesRead(usize),
    /// All output was written ([`Protocol::bytes_flushed`](super::Protocol::bytes_flushed)).
    Flushed,
    /// The deadline passed ([`Protocol::timeout`](super::Protocol::timeout)).
    Timeout,
    /// Someone woke the connection; may be spurious
    /// ([`Protocol::wakeup`](super::Protocol::wakeup)).
    Wakeup,
    /// The peer closed its side before the expectation was met
    /// ([`Protocol::end_of_stream`](super::Protocol::end_of_stream)).
    EndOfStream,
    /// A bound was hit ([`Protocol::limit_exceeded`](super::Protocol::limit_exceeded)).
    LimitExceeded(Limit),
    /// The loop drains: finish what was started, then close; an idle
    /// connection closes at once ([`Protocol::drain`](super::Protocol::drain)).
    /// Only for protocols whose `Handlers` set `const DRAIN: bool = true`;
    /// the others go on as if nothing happened.
    Drain,
    /// An outbound connection is up ([`Protocol::connected`](super::Protocol::connected)),
    /// delivered to the state the seed's protocol value is in, before any
    /// byte is read. Only for protocols whose `Handlers` set
    /// `const CONNECTED: bool = true`; the others start in `create`, as an
    /// accepted connection does.
    Connected,
}

/// `A: GoesTo<S>`: a state whose next states are `A` (its generated
/// `After<State>` enum) may go to the running state `S`. Implemented by
/// `#[machine(protocol)]` for each running target of `#[state(to(..))]` and
/// for the state itself (staying is always allowed), and for the start state
/// with `A = S` (what `create` enters). It is what makes an undeclared
/// transition fail to compile. For a `done` target, the generated impl
/// requires [`RunningState`](crate::__private::RunningState), which no type
/// implements, so `Next::of(done_state)` fails with a message that says to
/// use [`Next::finish`] instead.
#[diagnostic::on_unimplemented(
    message = "undeclared transition: this state may not go to `{S}`",
    label = "`{S}` is not listed in this state's `#[state(to(..))]`",
    note = "`{Self}` lists the states this one may go to; add `{S}` to its `to(..)` to allow it",
    note = "a `done` state is entered with `Next::finish(state)`, not `Next::of`"
)]
pub trait GoesTo<S> {
    /// Wraps `state` as one of the variants of `Self`.
    fn enter(state: S) -> Self;
}

/// `A: EndsIn<S>`: a state whose next states are `A` (its generated
/// `After<State>` enum) may end in the `done` state `S`. Implemented by
/// `#[machine(protocol)]` for each `done` target of `#[state(to(..))]`.
#[diagnostic::on_unimplemented(
    message = "undeclared transition: this state may not end in `{S}`",
    label = "`{S}` is not a `done` state listed in this state's `#[state(to(..))]`",
    note = "`{Self}` lists the states this one may go to; add `{S}` to its `to(..)` to allow it",
    note = "`Next::finish` takes a `done` state; `Next::of` enters a running one"
)]
pub trait EndsIn<S> {}

/// The generated `After<State>` enums: the next states of a running state,
/// which (unlike `create`) may also end the connection.
#[diagnostic::on_unimplemented(
    message = "a protocol cannot end in `create`: it must enter its start state",
    label = "`create` returns `Next<{Self}>`, the start state",
    note = "to refuse a connection, return `Next::error(..)`"
)]
pub trait Successors {}

/// What a `#[machine(protocol)]` state handler returns: the next state,
/// checked against the state's `to(..)` list at compile time, with what to
/// expect next; or the end of the connection.
///
/// `A` is the generated enum of the states this one may go to
/// (`AfterHeaders` for a state `Headers`). Build it as
/// `Next::of(state)[.deadline(t)].expect_...()`, like an [`Intent`]; a state
/// may always stay in itself. A `done` target is entered with
/// [`Next::finish`]; [`Next::done`] ends the connection from any state (on
/// end of stream or a timeout, say). Neither takes a deadline.
///
/// # Examples
///
/// See `#[machine(protocol)]` in the `mio` crate.
#[must_use = "a handler's result tells the stream what to wait for"]
#[derive(Debug)]
pub struct Next<A>(Intent<A>);

impl<A> Next<A> {
    /// Goes to `state`, which must be a declared target of the current state
    /// (or the current state itself); finish with an expectation.
    pub fn of<S>(state: S) -> NextBuilder<A>
    where
        A: GoesTo<S>,
    {
        NextBuilder(Intent::of(A::enter(state)))
    }

    /// Closes the connection because of `error`, reported to the loop's
    /// error hook.
    pub fn error(error: MachineError) -> Next<A> {
        Next(Intent::error(error))
    }

    /// The stream-level intent (used by generated code).
    pub fn into_intent(self) -> Intent<A> {
        self.0
    }
}

impl<A: Successors> Next<A> {
    /// Ends the connection in the `done` state `state`, which must be a
    /// declared target of the current state. Pending output gets one last
    /// write; to be sure it is all written, expect a flush first.
    pub fn finish<S>(state: S) -> Next<A>
    where
        A: EndsIn<S>,
    {
        drop(state);
        Next(Intent::done())
    }

    /// Ends the connection from any state (the peer went away, a deadline
    /// passed, input was malformed).
    pub fn done() -> Next<A> {
        Next(Intent::done())
    }
}

/// A [`Next`] being built: optionally a deadline, then an expectation.
#[must_use = "finish with expect_bytes, expect_delimiter, expect_flush, sleep or unchanged"]
#[derive(Debug)]
pub struct NextBuilder<A>(IntentBuilder<A>);

impl<A> NextBuilder<A> {
    /// Calls the state's handler with [`Event::Timeout`] at `at`, unless the
    /// expectation is met first and the next result changes it.
    pub fn deadline(self, at: Instant) -> NextBuilder<A> {
        NextBuilder(self.0.deadline(at))
    }

    /// Waits for `n` bytes of input.
    pub fn expect_bytes(self, n: usize) -> Next<A> {
        Next(self.0.expect_bytes(n))
    }

    /// Waits for some input and takes at most `n` bytes of it (a piece of a
    /// frame larger than a buffer; see [`Expectation::Chunk`](super::Expectation::Chunk)).
    pub fn expect_chunk(self, n: usize) -> Next<A> {
        Next(self.0.expect_chunk(n))
    }

    /// Waits for input up to `delimiter`, at most `max` bytes long.
    pub fn expect_delimiter(self, delimiter: &'static [u8], max: usize) -> Next<A> {
        Next(self.0.expect_delimiter(delimiter, max))
    }

    /// Waits until all output is written.
    pub fn expect_flush(self) -> Next<A> {
        Next(self.0.expect_flush())
    }

    /// Waits for a deadline or a wake-up only.
    pub fn sleep(self) -> Next<A> {
        Next(self.0.sleep())
    }

    /// Keeps the previous expectation (and deadline, unless one was set on
    /// this builder): what a spurious wake-up should return.
    pub fn unchanged(self) -> Next<A> {
        Next(self.0.unchanged())
    }
}
