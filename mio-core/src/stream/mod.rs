//! Stream protocols: buffered connections driven by what the protocol
//! expects next (rotor-stream's model).
//!
//! A [`Protocol`] returns an [`Intent`]: read `n` bytes, read up to a
//! delimiter, wait for output to be flushed, or sleep — each with an optional
//! deadline. [`Stream<P>`](Stream) is the [`Machine`](crate::machine::Machine)
//! that does the reading and writing and calls the protocol back only when
//! the expectation is met, the deadline passes, it is woken, the peer closes,
//! a bound is hit, or IO fails.
//!
//! Buffers are chunks of one pool per loop, sized by
//! [`LoopConfig::buffers`](crate::machine::LoopConfig::buffers); a
//! connection holds a chunk only while it has unconsumed input or unwritten
//! output. Limits are typed ([`Limit`]), never growth.
//!
//! A protocol can also be written as an enum of states with
//! `#[machine(protocol)]`: its handlers return [`Next`], an intent whose
//! target state is checked against the declared transitions at compile time.

mod conn;
mod intent;
mod next;
mod protocol;
mod round;
mod stream_machine;
mod transport;

pub use bytes::Bytes;
pub use intent::{Expectation, Intent, IntentBuilder};
pub use next::{EndsIn, Event, GoesTo, Next, NextBuilder, Successors};
pub use protocol::{Limit, Protocol};
pub use stream_machine::Stream;
pub use transport::{BufferFull, Input, Output, QueueFull, Transport};
