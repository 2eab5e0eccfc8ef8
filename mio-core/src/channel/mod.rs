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
//! invariants each `unsafe` block relies on.
//!
//! The other atomics here are the sleep handshake (`wake_state.rs`): one
//! state byte, read `SeqCst` by senders after their `SeqCst` claim of a
//! slot, and written `SeqCst` by the loop before its last look at the
//! ring's tail, a Dekker pattern without a fence on the send path. The
//! event loop makes one call, `Receiver::poll_or_sleep`, which decides
//! whether its poll may block; `wake_state.rs` states the handshake and its
//! invariants.
//!
//! Both are model-checked with loom (`tests/loom_*.rs`, through the crate's
//! one loom shim, `crate::loom`), which explores interleavings and memory
//! orderings within a preemption bound. The ring: two producers (with their
//! own handles, or sharing one) and the consumer on rings of one and two
//! slots (no message lost or duplicated, each producer's order kept, `Full`
//! handing the message back), the close racing sends (each message dropped
//! exactly once), and the wrap-around. The handshake: senders racing the
//! loop's decision to sleep (no lost wake-up, no sleep with a message
//! ready, at most one waker write per sleep), a sender stalled between
//! claiming its slot and writing it included. Run them with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test -p mio-core --lib --release channel::tests::loom_`
//! (CI does). The unit tests (`tests/`) run the same code on real threads,
//! as do the integration tests (`tests/channel.rs` of the facade).

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

use crate::loom::sync::Arc;

/// Creates the loop's channel: the receiving end and the first sender.
pub(crate) fn channel<M>(capacity: usize) -> io::Result<(Sender<M>, Receiver<M>)> {
    let (tx, rx) = ring::ring(capacity);
    let wake = Arc::new(WakeState::new()?);
    Ok((Sender::new(tx, Arc::clone(&wake)), Receiver::new(rx, wake)))
}

#[cfg(test)]
mod tests;
