//! The cross-thread channel into the event loop.
//!
//! A bounded, preallocated multi-producer queue (std's `sync_channel`, whose
//! bounded flavour is a fixed ring allocated once) drained only by the loop
//! thread, plus a wake-up protocol that coalesces: a sender writes the loop's
//! waker only when the loop is about to sleep and nobody has woken it yet, so
//! many sends to a busy or already-woken loop cost no system call.

mod error;
mod receiver;
mod sender;
mod wake_state;

pub use error::NotifyError;
pub(crate) use receiver::Receiver;
pub use sender::Sender;
pub(crate) use wake_state::WakeState;

use std::io;
use std::sync::Arc;

/// Creates the loop's channel: the receiving end and the first sender.
pub(crate) fn channel<M>(capacity: usize) -> io::Result<(Sender<M>, Receiver<M>)> {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    let wake = Arc::new(WakeState::new()?);
    Ok((Sender::new(tx, Arc::clone(&wake)), Receiver::new(rx, wake)))
}
