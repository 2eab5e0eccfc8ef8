//! The cross-thread channel into the event loop.
//!
//! A bounded, preallocated multi-producer queue drained only by the loop
//! thread, plus a wake-up protocol that coalesces: a sender writes the loop's
//! waker only when the loop is about to sleep and nobody has woken it yet, so
//! many sends to a busy or already-woken loop cost no system call.
//!
//! The queue is a ring of exactly `notify_capacity` slots allocated once,
//! when the loop is created; sending and receiving never allocate. It is
//! written for this use: many producers, one consumer (the loop). Producers
//! claim a slot with one compare-and-swap; the consumer needs no atomic
//! read-modify-write and never writes a slot. When the loop is dropped, the
//! messages still queued are dropped (once), and later sends fail with
//! [`NotifyError::Closed`], handing the message back.
//!
//! The ring (`ring.rs`) is the one place outside the system layer with
//! `unsafe` code. Its module documentation states the algorithm and the
//! invariants each `unsafe` block relies on, and it is model-checked with
//! loom (which explores interleavings and memory orderings, within a
//! preemption bound): two producers
//! (with their own handles, or sharing one) and the consumer on rings of one
//! and two slots (no message lost or duplicated, each producer's order kept,
//! `Full` handing the message back), of the close racing sends (each message
//! dropped exactly once), and of the wrap-around. Run the models with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test -p mio-core --lib --release channel::ring`
//! (CI does).
//!
//! The other atomics here are the wake-up handshake in `wake_state.rs`: one
//! state byte, read `SeqCst` by senders after their `SeqCst` claim of a
//! slot, and written `SeqCst` by the loop before its last look at the
//! ring's tail: a Dekker pattern without a fence on the send path, whose
//! argument is written down there and exercised by the integration tests
//! (`tests/channel.rs`) and the loop's stalled-sender test.

#![deny(unsafe_code)]

mod error;
mod receiver;
#[allow(unsafe_code)]
mod ring;
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
    let (tx, rx) = ring::ring(capacity);
    let wake = Arc::new(WakeState::new()?);
    Ok((Sender::new(tx, Arc::clone(&wake)), Receiver::new(rx, wake)))
}
