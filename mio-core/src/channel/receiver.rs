//! The loop's receiving half.

use std::sync::mpsc;
use std::sync::Arc;

use super::WakeState;

/// Drained only by the loop thread. Holds at most one message taken early, to
/// learn whether the queue is empty before the loop sleeps.
#[derive(Debug)]
pub(crate) struct Receiver<M> {
    rx: mpsc::Receiver<M>,
    peeked: Option<M>,
    wake: Arc<WakeState>,
}

impl<M> Receiver<M> {
    pub(crate) fn new(rx: mpsc::Receiver<M>, wake: Arc<WakeState>) -> Receiver<M> {
        Receiver { rx, peeked: None, wake }
    }

    pub(crate) fn wake_state(&self) -> &Arc<WakeState> {
        &self.wake
    }

    /// Whether a message is waiting (takes one into the peek slot if needed).
    pub(crate) fn has_pending(&mut self) -> bool {
        if self.peeked.is_none() {
            self.peeked = self.try_recv_inner();
        }
        self.peeked.is_some()
    }

    /// The next message, if any.
    #[inline]
    pub(crate) fn try_recv(&mut self) -> Option<M> {
        self.peeked.take().or_else(|| self.try_recv_inner())
    }

    #[inline]
    fn try_recv_inner(&self) -> Option<M> {
        // Empty, or (never while the loop holds a sender) disconnected.
        self.rx.try_recv().ok()
    }
}
