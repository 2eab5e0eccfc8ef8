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
}

/// A state type that a state may go to: implemented by `#[machine(protocol)]`
/// for each target `T` of `#[state(to(T, ..))]`, with `A` the source state's
/// generated `After<State>` enum (and for the start state with `A` itself,
/// for `create`). It is what makes an undeclared transition fail to compile.
#[diagnostic::on_unimplemented(
    message = "undeclared transition: this state may not go to `{Self}`",
    label = "`{Self}` is not listed in this state's `#[state(to(..))]`",
    note = "the states it may go to are the variants of `{A}`; add `{Self}` to its `to(..)` to allow it",
    note = "a `done` state is entered with `Next::finish(state)`, not `Next::of`"
)]
pub trait Enter<A> {
    /// Wraps the state as one of `A`'s variants.
    fn enter(self) -> A;
}

/// A `done` state that a state may go to, ending the connection:
/// implemented by `#[machine(protocol)]` for each `done` target of a state.
#[diagnostic::on_unimplemented(
    message = "undeclared transition: this state may not finish in `{Self}`",
    label = "`{Self}` is not a `done` state listed in this state's `#[state(to(..))]`",
    note = "`Next::finish` takes a `done` state that this state's `to(..)` lists; `Next::of` enters a live one"
)]
pub trait Finish<A> {}

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
    pub fn of<S: Enter<A>>(state: S) -> NextBuilder<A> {
        NextBuilder(Intent::of(state.enter()))
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
    pub fn finish<S: Finish<A>>(state: S) -> Next<A> {
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
