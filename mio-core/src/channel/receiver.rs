//! The loop's receiving half.

use std::sync::Arc;

use super::ring::Consumer;
use super::WakeState;

/// How long the loop waits for a sender mid-write: half of it spinning
/// (32 hints a round), half yielding its CPU to a preempted sender.
const SPIN_ROUNDS: u32 = 16;

/// Drained only by the loop thread. Dropping it (with the loop) closes the
/// channel and drops the queued messages.
#[derive(Debug)]
pub(crate) struct Receiver<M> {
    rx: Consumer<M>,
    wake: Arc<WakeState>,
}

impl<M> Receiver<M> {
    pub(crate) fn new(rx: Consumer<M>, wake: Arc<WakeState>) -> Receiver<M> {
        Receiver { rx, wake }
    }

    pub(crate) fn wake_state(&self) -> &Arc<WakeState> {
        &self.wake
    }

    /// Whether a message is ready (without taking it).
    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        !self.rx.is_empty()
    }

    /// The loop's last check before blocking, after
    /// [`WakeState::going_to_sleep`]: whether a sender has claimed a slot
    /// since, its message ready or still being written.
    #[inline]
    pub(crate) fn has_claimed(&self) -> bool {
        self.rx.is_claimed()
    }

    /// With a slot claimed but its message not ready: waits a little
    /// (bounded) for the sender to finish writing it. Returns whether the
    /// message is ready.
    pub(crate) fn await_claimed(&self) -> bool {
        for round in 0..SPIN_ROUNDS {
            if self.has_pending() {
                return true;
            }
            if round < SPIN_ROUNDS / 2 {
                for _ in 0..32 {
                    std::hint::spin_loop();
                }
            } else {
                std::thread::yield_now();
            }
        }
        self.has_pending()
    }

    /// The next message, if any.
    #[inline]
    pub(crate) fn try_recv(&mut self) -> Option<M> {
        self.rx.pop()
    }
}
