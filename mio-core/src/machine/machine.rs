//! The `Machine` trait.

use crate::counters::Counters;
use crate::EventSet;

use super::{Created, Response, Scope, SpawnError};

/// A state machine driven by the [`Loop`](super::Loop): one per connection,
/// listener or task, addressed by its token.
///
/// Handlers take `self` by value and return what happens next as a
/// [`Response`]: the state *is* the value, so a machine that moves from
/// "reading headers" to "writing body" returns a different variant of
/// itself. Defaults exist only where one is always right: `spawned` and
/// `wakeup` keep the machine as it is (a spurious wake-up is harmless), and
/// `spawn_error` drops the seed and keeps the machine.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use mio_core::EventSet;
/// use mio_core::machine::{Created, Machine, Response, Scope};
///
/// /// Ends itself one second after it was created.
/// struct Timer;
///
/// impl Machine for Timer {
///     type Context = ();
///     type Seed = ();
///     fn create(_seed: (), scope: &mut Scope<'_, ()>) -> Created<Self> {
///         Created::keep(Timer).deadline(scope.now() + Duration::from_secs(1))
///     }
///     fn ready(self, _events: EventSet, _scope: &mut Scope<'_, ()>) -> Response<Self, ()> {
///         Response::ok(self)
///     }
///     fn timeout(self, _scope: &mut Scope<'_, ()>) -> Response<Self, ()> {
///         Response::done()
///     }
/// }
/// ```
pub trait Machine: Sized {
    /// The loop-wide state every machine can reach through its [`Scope`].
    type Context;
    /// What this machine spawns; [`create`](Machine::create) turns it into a
    /// machine of this type.
    type Seed;

    /// Makes a machine from a seed spawned by another one. It runs with the
    /// new machine's own token, so it can register sockets.
    fn create(seed: Self::Seed, scope: &mut Scope<'_, Self::Context>) -> Created<Self>;

    /// A source registered with this machine's token is ready; for a
    /// machine that owns several, [`Scope::source`] says which one.
    fn ready(self, events: EventSet, scope: &mut Scope<'_, Self::Context>) -> Response<Self, Self::Seed>;

    /// The child spawned by the last response was created (or its creation
    /// failed and was reported); spawn again or wait. Default: keep waiting.
    fn spawned(self, scope: &mut Scope<'_, Self::Context>) -> Response<Self, Self::Seed> {
        let _ = scope;
        Response::ok(self)
    }

    /// The spawn could not happen (see [`SpawnError::kind`]); the seed is in
    /// `error`. Default: drop the seed and keep the machine, without a
    /// deadline — override it to back off and retry (the
    /// [`Accept`](super::Accept) machine does).
    fn spawn_error(
        self,
        scope: &mut Scope<'_, Self::Context>,
        error: SpawnError<Self::Seed>,
    ) -> Response<Self, Self::Seed> {
        let _ = (scope, error);
        Response::ok(self)
    }

    /// The deadline set by the last response passed.
    fn timeout(self, scope: &mut Scope<'_, Self::Context>) -> Response<Self, Self::Seed>;

    /// The loop ends this machine without running it (a deadline the timer
    /// could not take, the loop closing): called just before the machine is
    /// dropped, so a machine that keeps itself in the loop's per-state
    /// counts ([`Stream`](crate::stream::Stream) of a protocol with named
    /// states) can take itself out. Default: nothing; a machine composed of
    /// others passes it on to the one it holds.
    fn ended_by_loop(&self, counters: &Counters) {
        let _ = counters;
    }

    /// Someone woke this machine: another thread through
    /// [`Notifier::wakeup`](super::Notifier::wakeup), or a machine of the
    /// same loop through [`Scope::wake`], a message
    /// ([`Scope::send_to`]: take it with [`Scope::next_message`]) or a
    /// [`Broadcast`](super::Broadcast) value. Local wake-ups coalesce: take
    /// everything waiting. May be spurious; default: keep the machine as it
    /// is, deadline included ([`Response::unchanged`]).
    fn wakeup(self, scope: &mut Scope<'_, Self::Context>) -> Response<Self, Self::Seed> {
        let _ = scope;
        Response::unchanged(self)
    }

    /// The loop drains (see [`Scope::drain_loop`]): take no new work,
    /// finish what was started, and end. Called once, when the drain
    /// starts, on every machine alive then; a machine created later sees
    /// [`Scope::is_draining`] in `create`. The loop stops when the last
    /// machine that is not a [daemon](super::Created::daemon) ends, or at
    /// the drain deadline, which ends the rest. Default: keep the machine
    /// as it is, deadline included: it goes on as before, and ends on its
    /// own or at the drain deadline. [`Accept`](super::Accept) closes its
    /// listener and tells its connections.
    fn drain(self, scope: &mut Scope<'_, Self::Context>) -> Response<Self, Self::Seed> {
        let _ = scope;
        Response::unchanged(self)
    }
}
