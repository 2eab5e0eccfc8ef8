//! Draining a loop: every machine is told, listeners close, connections
//! finish what they started; the loop stops when the last machine that is
//! not a daemon ends, or at the drain deadline, which ends the rest.

use std::time::Instant;

use super::dispatch::{scope, Machines, Parts, Wake};
use super::{Machine, Scope};
use crate::timer::Timeout;
use crate::{EventLoop, Token};

/// The timer payload of the drain deadline: no slot has this token.
pub(crate) const DRAIN_DEADLINE: Wake = Wake { token: usize::MAX, generation: 0 };

/// A wake-up for no machine: a loop asleep in its poll takes a turn, at
/// whose end the drain asked for starts.
pub(crate) const NOBODY: Wake = Wake { token: usize::MAX, generation: u32::MAX };

/// Where a loop is in its drain.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Drain {
    /// Not draining.
    Off,
    /// Asked for by a machine, with this deadline; starts at the end of the
    /// turn.
    Asked(Instant),
    /// Every machine was told; the deadline's timer ends the rest.
    On(Instant, Timeout),
    /// Over: every machine ended, the loop stopped.
    Done,
}

impl Drain {
    /// Whether the drain was asked for (it may be over).
    pub(crate) fn is_asked(self) -> bool {
        self != Drain::Off
    }

    /// The deadline, while draining.
    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            Drain::Asked(at) | Drain::On(at, _) => Some(at),
            Drain::Off | Drain::Done => None,
        }
    }

    /// Whether the end of a turn has drain work: start it, or see whether
    /// it is over.
    #[inline]
    pub(crate) fn is_pending(self) -> bool {
        matches!(self, Drain::Asked(_) | Drain::On(..))
    }
}

impl<M: Machine> Parts<M> {
    /// Ends every machine still alive, each through [`end`](Parts::end),
    /// and clears the drain deadline's timer: what ends a drain. Runs
    /// outside any machine's call, so a live machine is in its slot.
    fn end_rest(&mut self, el: &mut EventLoop<Machines<M>>) {
        if let Drain::On(_, timer) = self.core.drain {
            el.clear_timeout(timer);
        }
        for token in 0..self.table.capacity() {
            if self.table.occupied(token) {
                self.end(el, token);
            }
        }
    }

    /// Forgets the drain (a closed loop starts anew): its timer is cleared.
    pub(crate) fn reset_drain(&mut self, el: &mut EventLoop<Machines<M>>) {
        if let Drain::On(_, timer) = self.core.drain {
            el.clear_timeout(timer);
        }
        self.core.drain = Drain::Off;
    }
}

impl<M: Machine> Machines<M> {
    /// Starts draining until `deadline`: arms its timer, then calls
    /// [`Machine::drain`] on every machine alive now (not on those it
    /// spawns meanwhile: they see [`Scope::is_draining`](super::Scope::is_draining)
    /// when created), and ends the drain at once if only daemons are left.
    /// A deadline the timer cannot take is treated as passed.
    pub(crate) fn start_drain(&mut self, el: &mut EventLoop<Self>, deadline: Instant) {
        let delay = deadline.saturating_duration_since(el.now());
        let Ok(timer) = el.timeout(DRAIN_DEADLINE, delay) else { return self.end_drain(el) };
        self.parts.core.drain = Drain::On(deadline, timer);
        let first_new = self.parts.table.next_slot().1;
        for token in 0..self.parts.table.capacity() {
            let Some((m, generation)) = self.parts.table.take_older(token, first_new) else { continue };
            let resp = m.drain(&mut scope!(&mut self.context, self.parts, el, token, generation));
            self.apply(el, token, generation, resp);
        }
        self.drain_tick(el);
    }

    /// The end of a turn while a drain is pending: start a drain asked for,
    /// or end one whose last machine (daemons aside) ended.
    pub(crate) fn drain_tick(&mut self, el: &mut EventLoop<Self>) {
        match self.parts.core.drain {
            Drain::Asked(deadline) => self.start_drain(el, deadline),
            Drain::On(..) if self.parts.table.non_daemons() == 0 => self.end_drain(el),
            _ => {}
        }
    }

    /// The drain deadline's timer fired: the machines still alive end.
    pub(crate) fn drain_deadline_passed(&mut self, el: &mut EventLoop<Self>) {
        if matches!(self.parts.core.drain, Drain::On(..)) {
            self.end_drain(el);
        }
    }

    /// Ends the drain: every machine left ends, and the loop stops.
    fn end_drain(&mut self, el: &mut EventLoop<Self>) {
        self.parts.end_rest(el);
        self.parts.core.drain = Drain::Done;
        self.parts.core.shutdown = true;
        el.shutdown();
    }
}
