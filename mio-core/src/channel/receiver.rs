//! The loop's receiving half, and the loop's half of the sleep handshake.

use std::io;
use std::time::Duration;

use super::ring::Consumer;
use super::WakeState;
use crate::loom::sync::Arc;
use crate::loom::Backoff;
use crate::Poll;

/// How long the loop may block while a sender that claimed a slot has not
/// finished writing its message (it was descheduled mid-send): such a sender
/// may have seen the loop awake and will not wake it, so the loop polls IO
/// at this interval until the message is ready.
const STALLED_SENDER_POLL: Duration = Duration::from_millis(1);

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

    /// Registers the channel's waker with the loop's `poll`; its events come
    /// under the reserved token, for [`drain_waker`](Self::drain_waker).
    pub(crate) fn register(&self, poll: &Poll) -> io::Result<()> {
        poll.register_waker(self.wake.waker().as_raw_fd())
    }

    /// Runs the loop's poll: calls `poll` once with how long it may block,
    /// and blocks only where no message can be left waiting (the handshake,
    /// `wake_state.rs`).
    ///
    /// `poll` gets zero when `timeout` is zero or a message is ready; at most
    /// 1 ms while a sender is stalled mid-write; otherwise `timeout`, after
    /// telling senders that the loop sleeps, so that the first send during
    /// the sleep writes the waker.
    pub(crate) fn poll_or_sleep<R>(&self, timeout: Option<Duration>, poll: impl FnOnce(Option<Duration>) -> R) -> R {
        if timeout == Some(Duration::ZERO) || self.has_pending() {
            // Messages left from the last turn (or the caller wants no wait):
            // poll without telling senders we sleep, so they do not write the
            // waker for nothing.
            return poll(Some(Duration::ZERO));
        }
        self.wake.going_to_sleep();
        // The last check, after announcing the sleep: a slot claimed before
        // its sender could see `SLEEPING` is found here.
        if !self.rx.is_claimed() {
            let res = poll(timeout);
            self.wake.woke_up();
            return res;
        }
        self.wake.woke_up();
        if self.await_claimed() {
            return poll(Some(Duration::ZERO));
        }
        // The sender is stalled mid-write (descheduled): it will not wake
        // us, so poll IO at a short interval until its message is ready
        // instead of spinning.
        poll(Some(timeout.map_or(STALLED_SENDER_POLL, |t| t.min(STALLED_SENDER_POLL))))
    }

    /// Whether a message is ready (without taking it).
    #[inline]
    fn has_pending(&self) -> bool {
        !self.rx.is_empty()
    }

    /// With a slot claimed but its message not ready: waits a little
    /// (bounded: spinning, then yielding the CPU to a preempted sender) for
    /// the sender to finish writing it. Returns whether the message is ready.
    fn await_claimed(&self) -> bool {
        let mut backoff = Backoff::new();
        while !self.has_pending() {
            if backoff.is_completed() {
                return false;
            }
            backoff.snooze();
        }
        true
    }

    /// The poll reported the waker (the reserved token): resets it.
    pub(crate) fn drain_waker(&self) {
        self.wake.waker().drain();
    }

    /// How many times senders wrote the waker.
    pub(crate) fn wakeups(&self) -> u64 {
        self.wake.writes()
    }

    /// The next message, if any.
    #[inline]
    pub(crate) fn try_recv(&mut self) -> Option<M> {
        self.rx.pop()
    }

    /// The waker, for the loom models, whose `poll` blocks on it.
    #[cfg(all(test, loom))]
    pub(crate) fn waker(&self) -> &crate::loom::Waker {
        self.wake.waker()
    }
}
