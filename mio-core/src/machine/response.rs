//! `Response`, `Created` and `Keep`: what machine handlers return.

use std::marker::PhantomData;
use std::time::Instant;

use super::MachineError;

/// What a [`Machine`](super::Machine) handler returns: keep the machine (with
/// an optional deadline), keep it and spawn a child, or end it.
///
/// A machine has at most one deadline. Every response that keeps the machine
/// sets it anew: [`Response::ok`] and [`Response::spawn`] clear it,
/// [`Response::keep`]`(m).deadline(t)` sets it, and only
/// [`Response::unchanged`] leaves it as it was. A deadline cannot be put on
/// `done`, `error` or `spawn`: those types have no such method, so the
/// mistake does not compile.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use mio_core::machine::Response;
///
/// struct Idle;
/// let r: Response<Idle, ()> = Response::keep(Idle).deadline(Instant::now() + Duration::from_secs(5));
/// assert!(r.is_kept());
/// let r: Response<Idle, ()> = Response::done();
/// assert!(r.is_stopped());
/// ```
#[must_use = "a response tells the loop what to do with the machine"]
#[derive(Debug)]
pub struct Response<M, S>(pub(crate) Action<M, S>);

#[derive(Debug)]
pub(crate) enum Action<M, S> {
    Keep(M, Deadline),
    Spawn(M, S),
    Done,
    Error(MachineError),
}

/// What a kept machine's deadline becomes: carried by responses, and by the
/// stream layer's rounds on their way to one.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// No deadline.
    Clear,
    /// A deadline at this time.
    At(Instant),
    /// Whatever it was.
    Unchanged,
}

impl<M, S> Response<M, S> {
    /// Keeps the machine, with no deadline (clearing any earlier one).
    pub fn ok(machine: M) -> Response<M, S> {
        Response(Action::Keep(machine, Deadline::Clear))
    }

    /// Keeps the machine and its current deadline, if any: what a spurious
    /// wake-up or an event that changes nothing should return.
    pub fn unchanged(machine: M) -> Response<M, S> {
        Response(Action::Keep(machine, Deadline::Unchanged))
    }

    /// Keeps the machine; call [`deadline`](Keep::deadline) on the result to
    /// set when [`Machine::timeout`](super::Machine::timeout) is called.
    pub fn keep(machine: M) -> Keep<M, Response<M, S>> {
        Keep { machine, _to: PhantomData }
    }

    /// Keeps the machine (clearing its deadline) and creates a new machine
    /// from `seed` through [`Machine::create`](super::Machine::create); then
    /// calls [`Machine::spawned`](super::Machine::spawned) on this one at once,
    /// so it can spawn again (an accept loop without an extra poll). If no
    /// slot is free, [`Machine::spawn_error`](super::Machine::spawn_error) is
    /// called instead.
    pub fn spawn(machine: M, seed: S) -> Response<M, S> {
        Response(Action::Spawn(machine, seed))
    }

    /// Ends the machine: it is dropped (closing what it owns) and its token
    /// freed at the end of the turn.
    pub fn done() -> Response<M, S> {
        Response(Action::Done)
    }

    /// Ends the machine because of `error`, which the loop reports to its
    /// error hook (see [`Loop::on_error`](super::Loop::on_error)).
    pub fn error(error: MachineError) -> Response<M, S> {
        Response(Action::Error(error))
    }

    /// Whether the machine is kept (`ok`, `unchanged`, `keep`, `spawn`).
    pub fn is_kept(&self) -> bool {
        matches!(self.0, Action::Keep(..) | Action::Spawn(..))
    }

    /// Whether the machine ends (`done`, `error`).
    pub fn is_stopped(&self) -> bool {
        !self.is_kept()
    }

    /// The deadline this response sets, if it sets one.
    pub fn get_deadline(&self) -> Option<Instant> {
        match self.0 {
            Action::Keep(_, Deadline::At(at)) => Some(at),
            _ => None,
        }
    }

    /// Converts the machine and seed types, keeping the kind and deadline:
    /// how a composed machine wraps its variants' responses.
    pub fn map<N, T>(self, machine: impl FnOnce(M) -> N, seed: impl FnOnce(S) -> T) -> Response<N, T> {
        Response(match self.0 {
            Action::Keep(m, d) => Action::Keep(machine(m), d),
            Action::Spawn(m, s) => Action::Spawn(machine(m), seed(s)),
            Action::Done => Action::Done,
            Action::Error(e) => Action::Error(e),
        })
    }
}

/// What [`Machine::create`](super::Machine::create) returns: the new machine
/// (with an optional deadline) or an error. A new machine cannot spawn and
/// cannot be `done` before it started: there are no such constructors.
///
/// # Examples
///
/// ```
/// use mio_core::machine::{Created, MachineError};
///
/// struct Conn;
/// let c: Created<Conn> = Created::ok(Conn);
/// assert!(c.is_ok());
/// let e: Created<Conn> = Created::error(MachineError::new(std::io::ErrorKind::InvalidInput, "bad seed"));
/// assert!(!e.is_ok());
/// ```
#[must_use = "the loop inserts the machine only if create returns it"]
#[derive(Debug)]
pub struct Created<M>(pub(crate) Result<(M, Option<Instant>, bool), MachineError>);

impl<M> Created<M> {
    /// The new machine, with no deadline.
    pub fn ok(machine: M) -> Created<M> {
        Created(Ok((machine, None, false)))
    }

    /// The new machine; call [`deadline`](Keep::deadline) on the result.
    pub fn keep(machine: M) -> Keep<M, Created<M>> {
        Keep { machine, _to: PhantomData }
    }

    /// No machine: creation failed. The seed is dropped; the error goes to the
    /// loop's error hook.
    pub fn error(error: MachineError) -> Created<M> {
        Created(Err(error))
    }

    /// Whether a machine was created.
    pub fn is_ok(&self) -> bool {
        self.0.is_ok()
    }

    /// Marks the new machine as a daemon: a draining loop does not wait
    /// for it (see [`Scope::drain_loop`](super::Scope::drain_loop)). The
    /// drain is over once only daemons are left, which the loop then ends
    /// too. For machines that serve the loop rather than a client: a signal
    /// watcher, a cache expirer. No effect on an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use mio_core::machine::Created;
    ///
    /// struct Expirer;
    /// let c: Created<Expirer> = Created::ok(Expirer).daemon();
    /// assert!(c.is_daemon());
    /// ```
    pub fn daemon(self) -> Created<M> {
        Created(self.0.map(|(m, d, _)| (m, d, true)))
    }

    /// Whether the new machine is a [`daemon`](Created::daemon).
    pub fn is_daemon(&self) -> bool {
        matches!(self.0, Ok((_, _, true)))
    }

    /// Converts the machine type, keeping the deadline (and whether it is a
    /// daemon).
    pub fn map<N>(self, f: impl FnOnce(M) -> N) -> Created<N> {
        Created(self.0.map(|(m, d, daemon)| (f(m), d, daemon)))
    }
}

/// A kept machine waiting for its deadline; made by [`Response::keep`] or
/// [`Created::keep`].
#[must_use = "call .deadline(t) to finish the response"]
#[derive(Debug)]
pub struct Keep<M, R> {
    machine: M,
    _to: PhantomData<fn() -> R>,
}

impl<M, S> Keep<M, Response<M, S>> {
    /// Sets the machine's deadline: [`Machine::timeout`](super::Machine::timeout)
    /// is called at `at` unless a later response replaces or clears it.
    pub fn deadline(self, at: Instant) -> Response<M, S> {
        Response(Action::Keep(self.machine, Deadline::At(at)))
    }
}

impl<M> Keep<M, Created<M>> {
    /// Sets the new machine's deadline.
    pub fn deadline(self, at: Instant) -> Created<M> {
        Created(Ok((self.machine, Some(at), false)))
    }
}
