//! `Sender`: the sending half, for any thread.

use super::ring::{Producer, PushError};
use super::{NotifyError, WakeState};
use crate::loom::sync::Arc;

/// Sends messages into an [`EventLoop`](crate::EventLoop) from any thread;
/// the loop's [`Handler::notify`](crate::Handler::notify) receives them.
///
/// Cloning is cheap (no allocation). Sending never blocks.
///
/// # Examples
///
/// ```
/// use mio_core::{EventLoop, Handler};
///
/// struct Counter(u32);
/// impl Handler for Counter {
///     type Timeout = ();
///     type Message = u32;
///     fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u32) {
///         self.0 += msg;
///         event_loop.shutdown();
///     }
/// }
///
/// let mut event_loop = EventLoop::new()?;
/// let sender = event_loop.channel();
/// std::thread::spawn(move || sender.send(5).unwrap()).join().unwrap();
/// let mut handler = Counter(0);
/// event_loop.run(&mut handler)?;
/// assert_eq!(handler.0, 5);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Sender<M> {
    tx: Producer<M>,
    wake: Arc<WakeState>,
}

impl<M> Sender<M> {
    pub(crate) fn new(tx: Producer<M>, wake: Arc<WakeState>) -> Sender<M> {
        Sender { tx, wake }
    }

    /// Queues `msg` for the loop and wakes it if it sleeps.
    ///
    /// # Errors
    ///
    /// * [`NotifyError::Full`]`(msg)`: the queue holds `notify_capacity`
    ///   messages; `msg` comes back.
    /// * [`NotifyError::Closed`]`(Some(msg))`: the loop was dropped; `msg`
    ///   comes back.
    /// * [`NotifyError::Io`]: queued, but the wake-up write failed.
    #[inline]
    pub fn send(&self, msg: M) -> Result<(), NotifyError<M>> {
        match self.tx.push(msg) {
            Ok(()) => self.wake.notify().map_err(NotifyError::Io),
            Err(PushError::Full(m)) => Err(NotifyError::Full(m)),
            Err(PushError::Closed(m)) => Err(NotifyError::Closed(Some(m))),
        }
    }
}

#[cfg(test)]
impl<M> Sender<M> {
    /// Claims a slot without writing it, as a sender descheduled mid-send
    /// would leave it (for tests and models); `None` if full or closed.
    pub(crate) fn claim_unwritten(&self) -> Option<StalledSend<'_, M>> {
        self.tx.claim_unwritten().map(|claimed| StalledSend { claimed, wake: &self.wake })
    }
}

/// A send stalled between claiming its slot and writing its message (tests
/// and models only).
#[cfg(test)]
pub(crate) struct StalledSend<'a, M> {
    claimed: super::ring::Unwritten<'a, M>,
    wake: &'a WakeState,
}

#[cfg(test)]
impl<M> StalledSend<'_, M> {
    /// The rest of [`Sender::send`]: writes the message, then wakes the loop
    /// if it sleeps.
    pub(crate) fn finish(self, msg: M) -> std::io::Result<()> {
        self.claimed.write(msg);
        self.wake.notify()
    }
}

impl<M> Clone for Sender<M> {
    fn clone(&self) -> Sender<M> {
        Sender { tx: self.tx.clone(), wake: Arc::clone(&self.wake) }
    }
}
