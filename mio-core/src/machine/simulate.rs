//! Crate-internal hooks for [`testing::Harness`](crate::testing::Harness):
//! deliver readiness to a machine by token without a poll, and look at a
//! machine between turns. The loop's own path does not go through here.

use std::time::Instant;

use super::{LoopInstance, Machine, Notifier, Wake};
use crate::{EventSet, Handler, Token};

impl<M: Machine> LoopInstance<M> {
    /// Calls the machine at `token` with `events`, as a turn's dispatch of
    /// an IO event does (the same `Handler::ready`), outside a poll. The
    /// caller ends the turn with `run_once` (which frees ended slots).
    pub(crate) fn deliver_ready(&mut self, token: Token, events: EventSet) {
        self.machines.ready(&mut self.event_loop, token, events);
    }

    /// The machine at `token`, between turns; `None` once it ended.
    pub(crate) fn machine_at(&self, token: Token) -> Option<&M> {
        self.machines.parts.table.get(token.0)?.machine.as_ref()
    }

    /// The deadline of the machine at `token`, if it has one.
    pub(crate) fn deadline_at(&self, token: Token) -> Option<Instant> {
        let slot = self.machines.parts.table.get(token.0)?;
        slot.machine.as_ref()?;
        slot.deadline.map(|(at, _)| at)
    }

    /// A notifier of the machine at `token`, as its scope would make one;
    /// `None` if no machine is there.
    pub(crate) fn notifier_at(&self, token: Token) -> Option<Notifier> {
        let slot = self.machines.parts.table.get(token.0)?;
        slot.machine.as_ref()?;
        let wake = Wake { token: token.0, generation: slot.generation };
        Some(Notifier::new(self.machines.parts.core.sender.clone(), wake))
    }
}
