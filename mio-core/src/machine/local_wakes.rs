//! Local wake-ups: a machine wakes another machine of its own loop, on the
//! loop's thread, without the cross-thread channel.
//!
//! The queue holds tokens, each at most once: a wake-up of a machine
//! already queued changes nothing (wake-ups coalesce until the machine
//! runs), so the queue never holds more than the loop has machines and is
//! allocated once, with the loop. Beside it, per slot, the generation of the
//! live machine (so a stale [`Address`] is told [`Gone`] at once) and the
//! generation a queued wake-up is for (so a wake-up queued for a machine
//! that ended since never reaches the next one in its slot).
//!
//! Queued wake-ups are delivered at the end of the turn
//! ([`Handler::tick`](crate::Handler::tick)), before the slots of ended
//! machines are freed; those queued while they are delivered (a machine
//! that wakes another from its `wakeup`) wait for the next turn, whose poll
//! then does not block.

use std::collections::VecDeque;

use super::dispatch::{scope, Machines};
use super::{Address, Gone, Machine, Scope};
use crate::{EventLoop, Token};

/// The loop's queue of local wake-ups and the liveness of its slots.
#[derive(Debug)]
pub(crate) struct LocalWakes {
    /// Per slot: the generation of the machine living there.
    live: Vec<Option<u32>>,
    /// Per slot: the generation a queued wake-up is for; `Some` exactly
    /// when the slot's token is in `queue`.
    queued: Vec<Option<u32>>,
    /// Tokens to wake, oldest first; at most one entry per slot.
    queue: VecDeque<u32>,
}

impl LocalWakes {
    /// Room for a loop of `machines` slots, allocated now.
    pub(crate) fn new(machines: usize) -> LocalWakes {
        LocalWakes {
            live: vec![None; machines],
            queued: vec![None; machines],
            queue: VecDeque::with_capacity(machines),
        }
    }

    /// The machine at `address` entered the table.
    pub(crate) fn born(&mut self, address: Address) {
        if let Some(live) = self.live.get_mut(address.slot()) {
            *live = Some(address.generation());
        }
    }

    /// The machine at `token` ended.
    pub(crate) fn died(&mut self, token: usize) {
        if let Some(live) = self.live.get_mut(token) {
            *live = None;
        }
    }

    /// Every machine ended (the loop closes): nothing is live or queued.
    pub(crate) fn clear(&mut self) {
        self.live.fill(None);
        self.queued.fill(None);
        self.queue.clear();
    }

    /// Whether the machine named by `address` is alive.
    pub(crate) fn is_live(&self, address: Address) -> bool {
        self.live.get(address.slot()).is_some_and(|live| *live == Some(address.generation()))
    }

    /// Queues a wake-up of `address`, unless one is queued already.
    pub(crate) fn wake(&mut self, address: Address) -> Result<(), Gone> {
        if !self.is_live(address) {
            return Err(Gone);
        }
        let queued = &mut self.queued[address.slot()];
        if queued.replace(address.generation()).is_none() {
            // At most one entry per slot, and room for every slot: no growth.
            debug_assert!(self.queue.len() < self.queue.capacity());
            // Slots are at most `MAX_PREALLOCATED` (2^24): they fit.
            self.queue.push_back(address.slot() as u32);
        }
        Ok(())
    }

    /// How many wake-ups are queued.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Takes the oldest queued wake-up.
    fn pop(&mut self) -> Option<Address> {
        let token = self.queue.pop_front()? as usize;
        let generation = self.queued[token].take()?;
        Some(Address::new(token, generation))
    }
}

impl<M: Machine> Machines<M> {
    /// Delivers the wake-ups queued so far, each as one
    /// [`Machine::wakeup`]; one whose machine has ended is dropped. Those
    /// queued meanwhile wait for the next turn.
    pub(crate) fn deliver_local_wakes(&mut self, el: &mut EventLoop<Self>) {
        for _ in 0..self.parts.core.wakes.len() {
            let Some(to) = self.parts.core.wakes.pop() else { break };
            let (token, generation) = (to.slot(), to.generation());
            let Some((m, generation)) = self.parts.table.take(token, Some(generation)) else { continue };
            el.counters().local_wakes.add(1);
            let resp = m.wakeup(&mut scope!(&mut self.context, self.parts, el, token, generation));
            self.apply(el, token, generation, resp);
        }
    }
}

impl<C> Scope<'_, C> {
    /// Wakes the machine at `to`, a machine of this loop (this one
    /// included): its [`wakeup`](super::Machine::wakeup) is called at the
    /// end of this turn, or in the next turn if the wake-up is made while
    /// the end of this turn delivers them (from a `wakeup`). Wake-ups of one
    /// machine coalesce until it runs: ten calls before it runs give one
    /// `wakeup`.
    ///
    /// Unlike a [`Notifier`](super::Notifier) this never goes through the
    /// loop's cross-thread channel: it cannot be full, and costs no
    /// allocation and no system call.
    ///
    /// # Errors
    ///
    /// [`Gone`] if the machine has ended (or is still being created: an
    /// address is live from the moment its `create` returned).
    ///
    /// # Examples
    ///
    /// ```
    /// # use mio_core::machine::{Address, Gone, Scope};
    /// fn poke(scope: &mut Scope<'_, ()>, peer: Address) {
    ///     match scope.wake(peer) {
    ///         Ok(()) => {}             // its wakeup runs this turn or the next
    ///         Err(Gone) => {}          // it ended: forget the address
    ///     }
    /// }
    /// ```
    pub fn wake(&mut self, to: Address) -> Result<(), Gone> {
        self.core.wakes.wake(to)
    }

    /// Whether the machine at `address` is alive (in this loop).
    pub fn is_alive(&self, address: Address) -> bool {
        self.core.wakes.is_live(address)
    }
}

#[cfg(test)]
#[path = "local_wakes_tests.rs"]
mod tests;
