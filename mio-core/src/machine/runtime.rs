//! `Loop` and `LoopInstance`: build a machine loop, then run it.

use std::io;
use std::time::{Duration, Instant};

use super::dispatch::{ignore_error, scope, ErrorHook, Machines, Parts};
use super::drain::Drain;
use super::local_wakes::LocalWakes;
use super::scope::ScopeCore;
use super::table::Table;
use super::{Address, Created, LoopConfig, Machine, MachineError, Scope, NO_FREE_SLOT};
use crate::buffers::Buffers;
use crate::counters::{Counters, CountersHandle};
use crate::{EventLoop, Token};

/// A machine loop being set up: add the first machines (listeners, usually),
/// then [`run`](Loop::run) it with the context.
///
/// Machines live in a preallocated slab (token == slot); the loop is built on
/// an [`EventLoop`]: deadlines are its timers, wake-ups its channel.
///
/// # Examples
///
/// See the crate's `examples/` for complete servers (`echo.rs`).
pub struct Loop<M: Machine> {
    event_loop: EventLoop<Machines<M>>,
    parts: Parts<M>,
    on_error: ErrorHook<M::Context>,
}

impl<M: Machine> std::fmt::Debug for Loop<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loop").field("machines", &self.parts.table.len()).finish_non_exhaustive()
    }
}

impl<M: Machine> Loop<M> {
    /// Creates the loop and preallocates its machine slab.
    ///
    /// # Errors
    ///
    /// As [`EventLoop::configured`]: `InvalidInput` for a bad configuration
    /// (including a zero or over-4-GiB buffer size, or buffers whose total
    /// size overflows), or the OS error of creating epoll or the waker.
    pub fn new(config: &LoopConfig) -> io::Result<Loop<M>> {
        let event_loop = EventLoop::configured(config.event_loop.clone())?;
        let too_big = config.buffer_size.checked_mul(config.buffers).is_none_or(|total| total > isize::MAX as usize);
        if config.machines > crate::MAX_PREALLOCATED {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "LoopConfig::machines must be at most 16,777,216"));
        }
        if config.buffer_size == 0 || config.buffer_size > u32::MAX as usize || too_big {
            let msg = "LoopConfig::buffers: the size must be 1..=u32::MAX and size * count must fit in memory";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        }
        let (size, count, counters) = (config.buffer_size, config.buffers, event_loop.shared_counters());
        let buffers = Buffers::new(size, count, config.queued_values, config.queued_per_connection, counters);
        event_loop.counters().buffers_total.set(buffers.chunks.count() as u64);
        let core = ScopeCore {
            sender: event_loop.channel(),
            shutdown: false,
            drain: Drain::Off,
            counters: event_loop.shared_counters(),
            wakes: LocalWakes::new(config.machines),
            spawned: None,
        };
        let parts = Parts { table: Table::with_capacity(config.machines), buffers, core };
        Ok(Loop { event_loop, parts, on_error: ignore_error })
    }

    /// Sets the hook called when a machine ends with
    /// [`Response::error`](super::Response::error), a seed's `create`
    /// fails, or a deadline cannot be set because the timer is full. The
    /// default ignores errors.
    pub fn on_error(&mut self, hook: ErrorHook<M::Context>) -> &mut Self {
        self.on_error = hook;
        self
    }

    /// Adds a machine made by `f`, which gets a scope with the new machine's
    /// token (and no context yet: `Scope<()>`). Returns its [`Address`]
    /// (its token is [`Address::token`]).
    ///
    /// # Errors
    ///
    /// `OutOfMemory` when the slab is full, or the error `f` returned.
    pub fn add_machine_with<F>(&mut self, f: F) -> Result<Address, MachineError>
    where
        F: FnOnce(&mut Scope<'_, ()>) -> Created<M>,
    {
        add_machine(&mut self.event_loop, &mut self.parts, &mut (), f)
    }

    /// A handle to read the loop's counters from another thread (see
    /// [`counters`](crate::counters)); take it before [`run`](Loop::run),
    /// or return it from a [`LoopGroup`](crate::serve::LoopGroup) setup.
    pub fn counters_handle(&self) -> CountersHandle {
        self.event_loop.counters_handle()
    }

    /// Hands the loop its context; machines can then be added with a full
    /// scope, and it can be run turn by turn.
    pub fn instantiate(self, context: M::Context) -> LoopInstance<M> {
        let machines = Machines { parts: self.parts, context, on_error: self.on_error };
        LoopInstance { event_loop: self.event_loop, machines }
    }

    /// Runs the loop with `context` until a machine calls
    /// [`Scope::shutdown_loop`].
    ///
    /// # Errors
    ///
    /// The poll's error other than `Interrupted`.
    pub fn run(self, context: M::Context) -> io::Result<()> {
        self.instantiate(context).run()
    }
}

/// A machine loop with its context: run it whole or turn by turn.
pub struct LoopInstance<M: Machine> {
    pub(super) event_loop: EventLoop<Machines<M>>,
    pub(super) machines: Machines<M>,
}

impl<M: Machine> std::fmt::Debug for LoopInstance<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopInstance")
            .field("machines", &self.machines.parts.table.len())
            .field("event_loop", &self.event_loop)
            .finish_non_exhaustive()
    }
}

impl<M: Machine> LoopInstance<M> {
    /// Adds a machine made by `f`, which gets a full scope with the new
    /// machine's token. Returns its [`Address`].
    ///
    /// # Errors
    ///
    /// `OutOfMemory` when the slab is full, or the error `f` returned.
    pub fn add_machine_with<F>(&mut self, f: F) -> Result<Address, MachineError>
    where
        F: FnOnce(&mut Scope<'_, M::Context>) -> Created<M>,
    {
        let m = &mut self.machines;
        add_machine(&mut self.event_loop, &mut m.parts, &mut m.context, f)
    }

    /// Runs until a machine calls [`Scope::shutdown_loop`] (or
    /// [`shutdown`](LoopInstance::shutdown) was called), or a drain is
    /// over ([`drain`](LoopInstance::drain)); a drained loop returns at
    /// once.
    ///
    /// # Errors
    ///
    /// The poll's error other than `Interrupted`.
    pub fn run(&mut self) -> io::Result<()> {
        if self.machines.parts.core.drain == Drain::Done {
            return Ok(()); // Drained: every machine ended.
        }
        self.machines.parts.core.shutdown = false;
        self.event_loop.run(&mut self.machines)
    }

    /// Runs one turn, polling at most `timeout`.
    ///
    /// # Errors
    ///
    /// The poll's error other than `Interrupted`.
    pub fn run_once(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.event_loop.run_once(&mut self.machines, timeout)
    }

    /// Whether a machine asked the loop to stop.
    pub fn is_shutdown(&self) -> bool {
        self.machines.parts.core.shutdown
    }

    /// Drains the loop now: every machine alive is told
    /// ([`Machine::drain`](super::Machine::drain)): listeners close at once,
    /// connections finish what they started. The loop stops
    /// ([`is_shutdown`](LoopInstance::is_shutdown), and `run` returns) when
    /// the last machine that is not a [daemon](super::Created::daemon)
    /// ends, or at `deadline`, which ends the machines still alive, through
    /// the same path as any machine's end: sockets close, timers are
    /// cleared, buffers go back to the pool. Only the first drain counts
    /// (see [`Scope::drain_loop`] for a machine's own call).
    pub fn drain(&mut self, deadline: Instant) {
        let deadline = match self.machines.parts.core.drain {
            Drain::Off => deadline,
            Drain::Asked(asked) => asked.min(deadline),
            Drain::On(..) | Drain::Done => return,
        };
        self.machines.start_drain(&mut self.event_loop, deadline);
        // Outside a turn: slots of machines that ended are free now.
        self.machines.parts.table.free_ended();
    }

    /// Whether the loop drains or has drained.
    pub fn is_draining(&self) -> bool {
        self.machines.parts.core.drain.is_asked()
    }

    /// Asks `run` to stop after the current turn.
    pub fn shutdown(&mut self) {
        self.machines.parts.core.shutdown = true;
        self.event_loop.shutdown();
    }

    /// The shared context.
    pub fn context(&self) -> &M::Context {
        &self.machines.context
    }

    /// The shared context, mutably.
    pub fn context_mut(&mut self) -> &mut M::Context {
        &mut self.machines.context
    }

    /// How many machines are alive.
    pub fn machine_count(&self) -> usize {
        self.machines.parts.table.len()
    }

    /// The machine slab's capacity.
    pub fn machine_capacity(&self) -> usize {
        self.machines.parts.table.capacity()
    }

    /// The loop's counters (see [`counters`](crate::counters)): exact here,
    /// on the loop thread.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn f<M: mio_core::machine::Machine>(lp: &mut mio_core::machine::LoopInstance<M>) -> std::io::Result<()> {
    /// lp.run_once(None)?;
    /// println!("{} turns, {} machines", lp.counters().turns(), lp.counters().machines_alive());
    /// # Ok(()) }
    /// ```
    pub fn counters(&self) -> &Counters {
        self.event_loop.counters()
    }

    /// A handle to read the loop's counters from another thread.
    pub fn counters_handle(&self) -> CountersHandle {
        self.event_loop.counters_handle()
    }

    /// How many turns the loop has made (see [`EventLoop::turns`]).
    pub fn turns(&self) -> u64 {
        self.event_loop.turns()
    }

    /// The loop's current time (from its clock).
    pub fn now(&self) -> std::time::Instant {
        self.event_loop.now()
    }

    /// How many timeouts are pending: machines' deadlines (and the loop's
    /// own re-arms of deadlines moved later).
    pub fn timeouts_pending(&self) -> usize {
        self.event_loop.timeouts_pending()
    }

    /// How many stream buffers are free, of
    /// [`buffers_total`](LoopInstance::buffers_total). An idle loop has all
    /// of them free: connections hold buffers only while they have bytes in
    /// flight, and give them back however they end.
    pub fn buffers_free(&self) -> usize {
        self.machines.parts.buffers.chunks.free()
    }

    /// How many stream buffers the loop has ([`LoopConfig::buffers`]).
    pub fn buffers_total(&self) -> usize {
        self.machines.parts.buffers.chunks.count()
    }

    /// How many entries of the queued-values table are free, of
    /// [`queued_values_total`](LoopInstance::queued_values_total).
    pub fn queued_values_free(&self) -> usize {
        self.machines.parts.buffers.values.free()
    }

    /// How many queued-value entries the loop has
    /// ([`LoopConfig::queued_values`]).
    pub fn queued_values_total(&self) -> usize {
        self.machines.parts.buffers.values.count()
    }

    /// Ends every machine: their sockets close (which removes their
    /// registrations), their deadlines are cleared, and every buffer and
    /// queued value is free again. Machines are not called; the slab is
    /// empty afterwards and the loop can take new machines. Dropping the
    /// `LoopInstance` frees all of it too; `close` is for a caller that
    /// keeps the loop (a test counting what is left, or a restart).
    pub fn close(&mut self) {
        self.machines.parts.end_all(&mut self.event_loop);
        self.machines.parts.reset_drain(&mut self.event_loop);
    }

    /// A sender into this loop's channel: [`serve`](crate::serve) sends it a
    /// wake-up for no machine to make a sleeping loop take a turn.
    pub(crate) fn wake_sender(&self) -> crate::channel::Sender<super::Wake> {
        self.machines.parts.core.sender.clone()
    }
}

fn add_machine<M: Machine, C, F>(
    el: &mut EventLoop<Machines<M>>,
    parts: &mut Parts<M>,
    context: &mut C,
    f: F,
) -> Result<Address, MachineError>
where
    F: FnOnce(&mut Scope<'_, C>) -> Created<M>,
{
    if parts.table.is_full() {
        return Err(NO_FREE_SLOT);
    }
    let (token, generation) = parts.table.next_slot();
    el.counters().machines_created.add(1);
    let created = f(&mut scope!(context, parts, el, token, generation)).0;
    let (machine, deadline, daemon) = created.inspect_err(|_| el.counters().machines_ended.add(1))?;
    let inserted = parts.insert(el, machine, deadline, daemon);
    // Outside a turn: a slot ended by a failed insert is freed now.
    parts.table.free_ended();
    inserted
}
