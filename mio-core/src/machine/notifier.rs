//! `Notifier`: wake one machine from any thread.

use super::{Wake, WakeupError};
use crate::channel::Sender;
use crate::NotifyError;

/// Wakes one machine from any thread: its
/// [`Machine::wakeup`](super::Machine::wakeup) is called on the loop thread.
/// Made by [`Scope::notifier`](super::Scope::notifier); `Send + Clone`.
///
/// For another thread. A machine of the same loop wakes one with
/// [`Scope::wake`](super::Scope::wake) instead: no channel, never full,
/// and wake-ups coalesce until the machine runs.
#[derive(Debug, Clone)]
pub struct Notifier {
    sender: Sender<Wake>,
    wake: Wake,
}

impl Notifier {
    pub(crate) fn new(sender: Sender<Wake>, wake: Wake) -> Notifier {
        Notifier { sender, wake }
    }

    /// Asks the loop to call the machine's `wakeup`. Wake-ups are delivered
    /// in order, once each; one for a machine that has ended is ignored.
    ///
    /// # Errors
    ///
    /// * [`WakeupError::Full`]: the loop's channel is full (`notify_capacity`);
    /// * [`WakeupError::Closed`]: the loop is gone;
    /// * [`WakeupError::Io`]: queued, but the OS wake-up failed.
    pub fn wakeup(&self) -> Result<(), WakeupError> {
        self.sender.send(self.wake).map_err(|e| match e {
            NotifyError::Full(_) => WakeupError::Full,
            NotifyError::Closed(_) => WakeupError::Closed,
            NotifyError::Io(e) => WakeupError::Io(e.raw_os_error()),
        })
    }
}
