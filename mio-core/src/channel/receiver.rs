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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc::{sync_channel, TrySendError};
    use std::sync::Arc;

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The loop relies on this: dropping the last std receiver drops what is
    /// queued at once, not when the last sender goes (older std versions kept
    /// the messages until then).
    #[test]
    fn std_receiver_drop_discards_queued_messages_while_senders_live() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = sync_channel(8);
        for _ in 0..5 {
            assert!(tx.try_send(Counted(Arc::clone(&dropped))).is_ok());
        }
        drop(rx);
        assert_eq!(dropped.load(Ordering::SeqCst), 5);
        match tx.try_send(Counted(Arc::clone(&dropped))) {
            Err(TrySendError::Disconnected(m)) => drop(m),
            other => panic!("expected Disconnected, got ok={}", other.is_ok()),
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 6);
        drop(tx);
        assert_eq!(dropped.load(Ordering::SeqCst), 6);
    }
}
