//! `Scope`: what a machine may touch while it runs.

use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Instant;

use super::drain::{Drain, NOBODY};
use super::local_wakes::LocalWakes;
use super::{Address, Notifier, Wake};
use crate::buffers::Buffers;
use crate::channel::Sender;
use crate::counters::Counters;
use crate::timer::Clock;
use crate::{EventSet, Evented, Poll, PollOpt, Token};

/// A machine's view of the loop during one call: its own token, the loop's
/// poll (registering under that token), the time, a [`Notifier`] for other
/// threads, and the shared context (through `Deref`/`DerefMut`).
///
/// # Examples
///
/// ```no_run
/// # use mio_core::machine::Scope;
/// # use mio_core::{EventSet, PollOpt};
/// # fn f(scope: &mut Scope<'_, Vec<u8>>, socket: &mio_core::unix::PipeReader) -> std::io::Result<()> {
/// scope.register(socket, EventSet::readable(), PollOpt::edge())?;
/// scope.push(1); // the context is a Vec<u8> here
/// let notifier = scope.notifier(); // Send + Clone: wake this machine from any thread
/// # Ok(()) }
/// ```
pub struct Scope<'a, C> {
    pub(crate) token: Token,
    pub(crate) generation: u32,
    /// Which of the machine's sources fired (see [`Scope::source`]).
    pub(crate) source: u8,
    pub(crate) context: &'a mut C,
    pub(crate) poll: &'a Poll,
    pub(crate) clock: &'a Clock,
    pub(crate) core: &'a mut ScopeCore,
    /// The loop's stream memory; lent out (`None`) while a stream's round
    /// runs, so the round's callbacks can have the scope while its
    /// transport borrows the chunks.
    pub(crate) buffers: Option<&'a mut Buffers>,
}

/// The machine-independent loop state a scope reaches.
#[derive(Debug)]
pub(crate) struct ScopeCore {
    pub(crate) sender: Sender<Wake>,
    pub(crate) shutdown: bool,
    pub(crate) drain: Drain,
    pub(crate) counters: Arc<Counters>,
    /// Wake-ups of machines by machines of this loop.
    pub(crate) wakes: LocalWakes,
    /// The machine the last spawn created, while the spawner's `spawned`
    /// runs.
    pub(crate) spawned: Option<Address>,
}

impl<C> std::fmt::Debug for Scope<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope").field("token", &self.token).finish_non_exhaustive()
    }
}

impl<'a, C> Scope<'a, C> {
    /// This machine's token: its slot in the loop, and the token its sources
    /// are registered under.
    pub fn token(&self) -> Token {
        self.token
    }

    /// This machine's [`Address`]: hand it to other machines of the loop so
    /// they can [`wake`](Scope::wake) it or [`send`](Scope::send_to) it
    /// values. In `create` it is the address the machine will have; it is
    /// live once `create` returned.
    pub fn address(&self) -> Address {
        Address::new(self.token.0, self.generation)
    }

    /// In [`Machine::spawned`](super::Machine::spawned): the address of the
    /// machine the spawn created; `None` if its creation failed (or outside
    /// `spawned`).
    pub fn spawned(&self) -> Option<Address> {
        self.core.spawned
    }

    /// Registers `io` under this machine's token.
    ///
    /// # Errors
    ///
    /// As [`Poll::register`]: `AlreadyExists` if registered already.
    pub fn register<E: Evented + ?Sized>(&mut self, io: &E, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.poll.register(io, self.token, interest, opts)
    }

    /// Changes the registration of `io` (still under this machine's token).
    ///
    /// # Errors
    ///
    /// As [`Poll::reregister`]: `NotFound` if not registered.
    pub fn reregister<E: Evented + ?Sized>(&mut self, io: &E, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.poll.reregister(io, self.token, interest, opts)
    }

    /// Removes the registration of `io`. Dropping a socket also removes it.
    ///
    /// # Errors
    ///
    /// As [`Poll::deregister`]: `NotFound` if not registered.
    pub fn deregister<E: Evented + ?Sized>(&mut self, io: &E) -> io::Result<()> {
        self.poll.deregister(io)
    }

    /// The loop's current time (its clock; a test clock in tests).
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// A handle other threads use to call this machine's
    /// [`wakeup`](super::Machine::wakeup). It stays bound to this machine: once
    /// the machine ends, wake-ups through it are ignored, even if the token is
    /// reused.
    pub fn notifier(&self) -> Notifier {
        Notifier::new(self.core.sender.clone(), self.address().wake())
    }

    /// Lends the loop's stream memory for one stream round, leaving `None`
    /// until [`return_buffers`](Scope::return_buffers): the round's
    /// callbacks get the scope while its transport borrows the chunks.
    /// `None` inside such a round (a stream driven from another stream's
    /// callback).
    pub(crate) fn lend_buffers(&mut self) -> Option<&'a mut Buffers> {
        self.buffers.take()
    }

    /// Gives back what [`lend_buffers`](Scope::lend_buffers) lent.
    pub(crate) fn return_buffers(&mut self, buffers: &'a mut Buffers) {
        self.buffers = Some(buffers);
    }

    /// The loop's counters (see [`counters`](crate::counters)): exact on
    /// the loop thread, where a machine runs.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use mio_core::machine::Scope;
    /// # fn f(scope: &mut Scope<'_, ()>) {
    /// let counters = scope.counters();
    /// println!("{} machines, {} bytes read", counters.machines_alive(), counters.bytes_read());
    /// # }
    /// ```
    pub fn counters(&self) -> &Counters {
        &self.core.counters
    }

    /// Stops the loop after the current turn.
    pub fn shutdown_loop(&mut self) {
        self.core.shutdown = true;
    }

    /// Drains the loop: at the end of this turn every machine alive is
    /// told ([`Machine::drain`](super::Machine::drain)): listeners close at
    /// once, connections finish what they started and end. The loop stops
    /// when the last machine that is not a
    /// [daemon](super::Created::daemon) ends, or at `deadline`, which ends
    /// the machines still alive. Only the first call counts; to stop at
    /// once while draining, call [`shutdown_loop`](Scope::shutdown_loop).
    pub fn drain_loop(&mut self, deadline: Instant) {
        if self.core.drain == Drain::Off {
            self.core.drain = Drain::Asked(deadline);
            // Outside a turn (a scope of `add_machine_with`), the loop
            // must not sleep before the turn whose end starts the drain.
            let _ = self.core.sender.send(NOBODY);
        }
    }

    /// Whether the loop drains (or has drained): a machine created now
    /// should not start work it cannot finish by
    /// [`drain_deadline`](Scope::drain_deadline).
    pub fn is_draining(&self) -> bool {
        self.core.drain.is_asked()
    }

    /// The drain's deadline, while the loop drains.
    pub fn drain_deadline(&self) -> Option<Instant> {
        self.core.drain.deadline()
    }
}

impl<C> Deref for Scope<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.context
    }
}

impl<C> DerefMut for Scope<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.context
    }
}
