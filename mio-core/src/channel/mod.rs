//! The cross-thread channel into the event loop.
//!
//! A bounded, preallocated multi-producer queue drained only by the loop
//! thread, plus a wake-up protocol that coalesces: a sender writes the loop's
//! waker only when the loop is about to sleep and nobody has woken it yet, so
//! many sends to a busy or already-woken loop cost no system call.
//!
//! The queue is std's `sync_channel`, whose bounded flavour is a fixed ring of
//! `notify_capacity` slots allocated once, when the loop is created; sending
//! and receiving never allocate. When the loop is dropped, std's receiver
//! drops every message still queued (once), and later sends fail with
//! [`NotifyError::Closed`], handing the message back.
//!
//! There is no loom model of this module, and none is needed: it contains no
//! `unsafe` and no hand-written lock-free queue. The queue is std's (the
//! array flavour of crossbeam-channel, moved into std and tested there), and
//! the only atomics here are the wake-up handshake in `wake_state.rs`: one
//! state byte and two `SeqCst` fences, a Dekker pattern whose argument is
//! written down there and exercised by the integration tests
//! (`tests/channel.rs`). A unit test in `receiver.rs` pins the one std
//! behaviour we rely on beyond its documented API: dropping the last receiver
//! drops the queued messages even while senders live.

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
