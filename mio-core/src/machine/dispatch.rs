//! The event-loop `Handler` that drives machines: dispatch by token, apply
//! responses, keep deadlines, and end machines in one place.

use std::time::Instant;

use crate::buffers::Buffers;
use crate::{EventLoop, EventSet, Handler, Token};

use super::drain::DRAIN_DEADLINE;
use super::response::{Action, Deadline};
use super::scope::ScopeCore;
use super::table::{Slot, Table};
use super::{Address, Machine, MachineError, Response, Scope, SpawnError, SpawnErrorKind, TIMER_FULL};

/// A machine's address in a wake-up or timer: token plus generation, so a
/// reused token never gets its predecessor's wake-ups or timeouts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Wake {
    pub(crate) token: usize,
    pub(crate) generation: u32,
}

/// Called when a machine ends with an error or cannot be created.
pub type ErrorHook<C> = fn(&mut C, Token, &MachineError);

/// The default error hook: ignores the error.
pub(crate) fn ignore_error<C>(_: &mut C, _: Token, _: &MachineError) {}

/// What a machine loop holds besides its context: the machine table, the
/// stream layer's memory, and the state scopes share. A loop being set up
/// ([`Loop`](super::Loop)) has these before it has a context.
pub(crate) struct Parts<M> {
    pub(crate) table: Table<M>,
    pub(crate) buffers: Buffers,
    pub(crate) core: ScopeCore,
}

/// Machines, the context, and the state scopes share.
pub(crate) struct Machines<M: Machine> {
    pub(crate) parts: Parts<M>,
    pub(crate) context: M::Context,
    pub(crate) on_error: ErrorHook<M::Context>,
}

/// Builds a `Scope` from disjoint borrows of the loop's parts.
macro_rules! scope {
    ($ctx:expr, $parts:expr, $el:expr, $token:expr, $generation:expr) => {
        Scope {
            token: Token($token),
            generation: $generation,
            source: 0,
            context: $ctx,
            poll: $el.poll(),
            clock: $el.clock(),
            core: &mut $parts.core,
            buffers: Some(&mut $parts.buffers),
        }
    };
}
pub(crate) use scope;

impl<M: Machine> Parts<M> {
    /// The one way a created machine enters the table, at `next_slot()`,
    /// with its deadline and whether it is a daemon. A deadline the timer
    /// cannot take ends the machine at once (through [`end`](Parts::end))
    /// and is the error.
    pub(crate) fn insert<H: Handler<Timeout = Wake>>(
        &mut self,
        el: &mut EventLoop<H>,
        machine: M,
        deadline: Option<Instant>,
        daemon: bool,
    ) -> Result<Address, MachineError> {
        let token = self.table.insert(machine, daemon);
        let slot = self.table.get_mut(token).expect("just inserted");
        let wake = Wake { token, generation: slot.generation };
        self.core.wakes.born(Address::new(token, slot.generation));
        if !rearm(el, slot, wake, deadline.map_or(Deadline::Clear, Deadline::At)) {
            self.end(el, token);
            return Err(TIMER_FULL);
        }
        Ok(Address::new(token, wake.generation))
    }

    /// The one place a machine ends, however it ends: its slot is marked
    /// ended (freed at the end of the turn), its timer cleared, and a
    /// machine the loop ends without running it (still in its slot) dropped
    /// with its sockets. Whatever stream memory its token still holds then
    /// goes back to the pool: a machine that ended itself gave its memory
    /// back already (a stream settles at the end of every round), so the
    /// reclaim scan runs only when the loop drops a machine.
    pub(crate) fn end<H: Handler>(&mut self, el: &mut EventLoop<H>, token: usize) {
        let (machine, timer) = self.table.end(token);
        self.core.wakes.died(token);
        el.counters().machines_ended.add(1);
        if let Some(timer) = timer {
            el.clear_timeout(timer);
        }
        if let Some(machine) = machine {
            machine.ended_by_loop(el.counters());
            drop(machine);
            self.buffers.reclaim(token as u32);
        }
        debug_assert!(!self.buffers.holds_any(token as u32), "machine {token} ended holding stream memory");
    }

    /// Ends every machine: what closing a loop does. Sockets close, timers
    /// are cleared, and the whole stream memory is free again.
    pub(crate) fn end_all<H: Handler>(&mut self, el: &mut EventLoop<H>) {
        let buffers = &mut self.buffers;
        self.core.wakes.clear();
        self.table.end_all(|token, machine, timer| {
            el.counters().machines_ended.add(1);
            if let Some(timer) = timer {
                el.clear_timeout(timer);
            }
            if let Some(machine) = machine {
                machine.ended_by_loop(el.counters());
                drop(machine);
                buffers.reclaim(token as u32);
            }
        });
        self.count_buffers(el);
    }

    /// Publishes how many stream buffers are held (end of a turn).
    pub(crate) fn count_buffers<H: Handler>(&self, el: &EventLoop<H>) {
        let chunks = &self.buffers.chunks;
        el.counters().buffers_in_use.set((chunks.count() - chunks.free()) as u64);
    }
}

/// Replaces a slot's deadline; `false` if the timer is full.
///
/// A deadline moved later keeps its armed timer: the slot records the new
/// instant, and [`timeout`](Handler::timeout) re-arms for the rest when the
/// old timer fires. A connection that pushes its deadline forward on every
/// request (an idle or request timeout) then costs no timer operation and no
/// clock read per request, only one re-arm per period. A deadline moved
/// earlier needs a new timer, so it never fires late.
#[inline]
fn rearm<M, H: Handler<Timeout = Wake>>(
    el: &mut EventLoop<H>,
    slot: &mut Slot<M>,
    wake: Wake,
    deadline: Deadline,
) -> bool {
    let new = match deadline {
        Deadline::Unchanged => return true,
        Deadline::Clear if slot.deadline.is_none() => return true,
        Deadline::Clear => None,
        Deadline::At(at) => Some(at),
    };
    match (slot.deadline, new) {
        (Some((old, timer)), Some(new)) if old <= new => {
            slot.deadline = Some((new, timer));
            true
        }
        (old, new) => {
            if let Some((_, timer)) = old {
                el.clear_timeout(timer);
            }
            slot.deadline = None;
            let Some(at) = new else { return true };
            let delay = at.saturating_duration_since(el.now());
            match el.timeout(wake, delay) {
                Ok(timer) => {
                    slot.deadline = Some((at, timer));
                    true
                }
                Err(_) => false,
            }
        }
    }
}

impl<M: Machine> Machines<M> {
    /// Carries out `resp` for the machine at `token`. Keeping the machine,
    /// what nearly every event ends in, is the inlined path; the rest lives
    /// in [`apply_rest`](Machines::apply_rest).
    #[inline]
    pub(super) fn apply(
        &mut self,
        el: &mut EventLoop<Self>,
        token: usize,
        generation: u32,
        resp: Response<M, M::Seed>,
    ) {
        match resp.0 {
            Action::Keep(m, deadline) => self.keep(el, Wake { token, generation }, m, deadline),
            action => self.apply_rest(el, token, generation, Response(action)),
        }
    }

    /// Spawns, ends and errors, following spawns until the machine is kept
    /// or ended.
    #[inline(never)]
    fn apply_rest(&mut self, el: &mut EventLoop<Self>, token: usize, generation: u32, mut resp: Response<M, M::Seed>) {
        loop {
            match resp.0 {
                Action::Keep(m, deadline) => return self.keep(el, Wake { token, generation }, m, deadline),
                Action::Spawn(m, seed) => {
                    if let Some(slot) = self.parts.table.get_mut(token) {
                        // Clearing a deadline never needs the timer.
                        rearm(el, slot, Wake { token, generation }, Deadline::Clear);
                    }
                    resp = if self.parts.table.is_full() {
                        let error = SpawnError { seed, kind: SpawnErrorKind::NoSlabSpace };
                        m.spawn_error(&mut scope!(&mut self.context, self.parts, el, token, generation), error)
                    } else {
                        self.create_child(el, seed);
                        let resp = m.spawned(&mut scope!(&mut self.context, self.parts, el, token, generation));
                        self.parts.core.spawned = None;
                        resp
                    };
                }
                Action::Done => return self.parts.end(el, token),
                Action::Error(e) => return self.fail(el, token, &e),
            }
        }
    }

    /// Puts a kept machine back in its slot with its new deadline; a
    /// deadline the timer cannot take ends it.
    #[inline]
    fn keep(&mut self, el: &mut EventLoop<Self>, wake: Wake, m: M, deadline: Deadline) {
        let Some(slot) = self.parts.table.get_mut(wake.token) else { return };
        slot.machine = Some(m);
        let same = match deadline {
            Deadline::Unchanged => true,
            Deadline::Clear => slot.deadline.is_none(),
            Deadline::At(_) => false,
        };
        if !same && !rearm(el, slot, wake, deadline) {
            self.fail(el, wake.token, &TIMER_FULL);
        }
    }

    fn create_child(&mut self, el: &mut EventLoop<Self>, seed: M::Seed) {
        let (child, generation) = self.parts.table.next_slot();
        el.counters().machines_created.add(1);
        let created = M::create(seed, &mut scope!(&mut self.context, self.parts, el, child, generation));
        let created = created.0.inspect_err(|_| el.counters().machines_ended.add(1));
        let inserted = created.and_then(|(machine, deadline, daemon)| self.parts.insert(el, machine, deadline, daemon));
        self.parts.core.spawned = inserted.ok();
        if let Err(e) = inserted {
            el.counters().failed(e.kind());
            (self.on_error)(&mut self.context, Token(child), &e);
        }
    }

    fn fail(&mut self, el: &mut EventLoop<Self>, token: usize, error: &MachineError) {
        el.counters().failed(error.kind());
        (self.on_error)(&mut self.context, Token(token), error);
        self.parts.end(el, token);
    }
}

impl<M: Machine> Handler for Machines<M> {
    type Timeout = Wake;
    type Message = Wake;

    #[inline]
    fn ready(&mut self, el: &mut EventLoop<Self>, token: Token, events: EventSet) {
        let (token, source) = super::source::split(token.0);
        let Some((m, generation)) = self.parts.table.take(token, None) else { return };
        let mut scope = scope!(&mut self.context, self.parts, el, token, generation);
        scope.source = source;
        let resp = m.ready(events, &mut scope);
        self.apply(el, token, generation, resp);
    }

    fn notify(&mut self, el: &mut EventLoop<Self>, wake: Wake) {
        let Some((m, generation)) = self.parts.table.take(wake.token, Some(wake.generation)) else { return };
        let resp = m.wakeup(&mut scope!(&mut self.context, self.parts, el, wake.token, generation));
        self.apply(el, wake.token, generation, resp);
    }

    fn timeout(&mut self, el: &mut EventLoop<Self>, wake: Wake) {
        let Some(slot) = self.parts.table.get_mut(wake.token) else {
            if wake == DRAIN_DEADLINE {
                self.drain_deadline_passed(el);
            }
            return;
        };
        let Some((at, _)) = slot.deadline.filter(|_| slot.generation == wake.generation) else { return };
        let now = el.now();
        if at > now {
            // The deadline moved later after this timer was armed (see
            // `rearm`): sleep on until it.
            slot.deadline = None;
            if !rearm(el, slot, wake, Deadline::At(at)) {
                self.fail(el, wake.token, &TIMER_FULL);
            }
            return;
        }
        slot.deadline = None;
        let Some((m, generation)) = self.parts.table.take(wake.token, Some(wake.generation)) else { return };
        let resp = m.timeout(&mut scope!(&mut self.context, self.parts, el, wake.token, generation));
        self.apply(el, wake.token, generation, resp);
    }

    fn tick(&mut self, el: &mut EventLoop<Self>) {
        if self.parts.core.wakes.len() > 0 {
            self.deliver_local_wakes(el);
        }
        if self.parts.core.drain.is_pending() {
            self.drain_tick(el);
        }
        self.parts.table.free_ended();
        self.parts.count_buffers(el);
        if self.parts.core.shutdown {
            el.shutdown();
        }
    }

    fn has_work(&self) -> bool {
        self.parts.core.wakes.len() > 0
    }
}
