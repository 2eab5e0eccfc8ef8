//! The event-loop `Handler` that drives machines: dispatch by token, apply
//! responses, keep deadlines.

use crate::{EventLoop, EventSet, Handler, Token};

use super::response::{Action, Deadline};
use super::scope::ScopeCore;
use super::table::Table;
use super::{Machine, MachineError, Response, Scope, SpawnError, SpawnErrorKind};

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

/// Machines, the context, and the state scopes share.
pub(crate) struct Machines<M: Machine> {
    pub(crate) table: Table<M>,
    pub(crate) core: ScopeCore,
    pub(crate) context: M::Context,
    pub(crate) on_error: ErrorHook<M::Context>,
}

/// Builds a `Scope` from disjoint borrows of the loop's parts.
macro_rules! scope {
    ($ctx:expr, $core:expr, $el:expr, $token:expr, $generation:expr) => {
        Scope {
            token: Token($token),
            generation: $generation,
            context: $ctx,
            poll: $el.poll(),
            clock: $el.clock(),
            core: $core,
        }
    };
}
pub(crate) use scope;

impl<M: Machine> Machines<M> {
    /// Carries out `resp` for the machine at `token`, following spawns until
    /// the machine is kept or ended.
    fn apply(&mut self, el: &mut EventLoop<Self>, token: usize, generation: u32, mut resp: Response<M, M::Seed>) {
        loop {
            match resp.0 {
                Action::Keep(m, deadline) => {
                    if let Some(slot) = self.table.get_mut(token) {
                        slot.machine = Some(m);
                    }
                    if !self.set_deadline(el, token, generation, deadline) {
                        self.table.take(token, None);
                        let err = MachineError::new(std::io::ErrorKind::OutOfMemory, "timer capacity exhausted");
                        self.fail(el, token, &err);
                    }
                    return;
                }
                Action::Spawn(m, seed) => {
                    self.set_deadline(el, token, generation, Deadline::Clear);
                    if self.table.is_full() {
                        let error = SpawnError { seed, kind: SpawnErrorKind::NoSlabSpace };
                        resp =
                            m.spawn_error(&mut scope!(&mut self.context, &mut self.core, el, token, generation), error);
                        continue;
                    }
                    self.create_child(el, seed);
                    resp = m.spawned(&mut scope!(&mut self.context, &mut self.core, el, token, generation));
                }
                Action::Done => return self.end(el, token),
                Action::Error(e) => return self.fail(el, token, &e),
            }
        }
    }

    fn create_child(&mut self, el: &mut EventLoop<Self>, seed: M::Seed) {
        let (child, generation) = self.table.next_slot();
        let created = M::create(seed, &mut scope!(&mut self.context, &mut self.core, el, child, generation));
        match created.0 {
            Ok((machine, deadline)) => {
                let token = self.table.insert(machine);
                debug_assert_eq!(token, child);
                let deadline = deadline.map_or(Deadline::Clear, Deadline::At);
                if !self.set_deadline(el, child, generation, deadline) {
                    self.table.take(child, None);
                    let err = MachineError::new(std::io::ErrorKind::OutOfMemory, "timer capacity exhausted");
                    self.fail(el, child, &err);
                }
            }
            Err(e) => (self.on_error)(&mut self.context, Token(child), &e),
        }
    }

    /// Replaces the machine's deadline; `false` if the timer is full.
    ///
    /// A deadline moved later keeps its armed timer: the slot records the new
    /// instant, and [`timeout`](Handler::timeout) re-arms for the rest when
    /// the old timer fires. A connection that pushes its deadline forward on
    /// every request (an idle or request timeout) then costs no timer
    /// operation and no clock read per request, only one re-arm per period.
    /// A deadline moved earlier needs a new timer, so it never fires late.
    fn set_deadline(&mut self, el: &mut EventLoop<Self>, token: usize, generation: u32, deadline: Deadline) -> bool {
        let Some(slot) = self.table.get_mut(token) else { return true };
        let new = match deadline {
            Deadline::Unchanged => return true,
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
                match el.timeout(Wake { token, generation }, delay) {
                    Ok(timer) => {
                        slot.deadline = Some((at, timer));
                        true
                    }
                    Err(_) => false,
                }
            }
        }
    }

    fn fail(&mut self, el: &mut EventLoop<Self>, token: usize, error: &MachineError) {
        (self.on_error)(&mut self.context, Token(token), error);
        self.end(el, token);
    }

    fn end(&mut self, el: &mut EventLoop<Self>, token: usize) {
        if let Some(timer) = self.table.end(token) {
            el.clear_timeout(timer);
        }
    }
}

impl<M: Machine> Handler for Machines<M> {
    type Timeout = Wake;
    type Message = Wake;

    fn ready(&mut self, el: &mut EventLoop<Self>, token: Token, events: EventSet) {
        let Some((m, generation)) = self.table.take(token.0, None) else { return };
        let resp = m.ready(events, &mut scope!(&mut self.context, &mut self.core, el, token.0, generation));
        self.apply(el, token.0, generation, resp);
    }

    fn notify(&mut self, el: &mut EventLoop<Self>, wake: Wake) {
        let Some((m, generation)) = self.table.take(wake.token, Some(wake.generation)) else { return };
        let resp = m.wakeup(&mut scope!(&mut self.context, &mut self.core, el, wake.token, generation));
        self.apply(el, wake.token, generation, resp);
    }

    fn timeout(&mut self, el: &mut EventLoop<Self>, wake: Wake) {
        let Some(slot) = self.table.get_mut(wake.token) else { return };
        let Some((at, _)) = slot.deadline.filter(|_| slot.generation == wake.generation) else { return };
        let now = el.now();
        if at > now {
            // The deadline moved later after this timer was armed (see
            // `set_deadline`): sleep on until it.
            match el.timeout(wake, at - now) {
                Ok(timer) => slot.deadline = Some((at, timer)),
                Err(_) => {
                    slot.deadline = None;
                    self.table.take(wake.token, Some(wake.generation));
                    let err = MachineError::new(std::io::ErrorKind::OutOfMemory, "timer capacity exhausted");
                    self.fail(el, wake.token, &err);
                }
            }
            return;
        }
        slot.deadline = None;
        let Some((m, generation)) = self.table.take(wake.token, Some(wake.generation)) else { return };
        let resp = m.timeout(&mut scope!(&mut self.context, &mut self.core, el, wake.token, generation));
        self.apply(el, wake.token, generation, resp);
    }

    fn tick(&mut self, el: &mut EventLoop<Self>) {
        self.table.free_ended();
        if self.core.shutdown {
            el.shutdown();
        }
    }
}
