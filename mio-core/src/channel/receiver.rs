//! The loop's receiving half.

use std::sync::Arc;

use super::ring::Consumer;
use super::WakeState;

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

    /// The next message, if any.
    #[inline]
    pub(crate) fn try_recv(&mut self) -> Option<M> {
        self.rx.pop()
    }
}
