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
//! # Messages larger than a buffer
//!
//! - Input: [`Expectation::Chunk`] (`expect_chunk(n)`) hands the protocol
//!   whatever is buffered, up to `n` bytes, as soon as any arrives; a body
//!   of any length streams through piece by piece. The protocol chooses its
//!   own bound (checking the announced length before it starts) and answers
//!   one past it with its own error.
//! - Output: [`Output::queue`] takes a [`Bytes`] value the protocol owns or
//!   shares and writes it after what is buffered, gathered into one
//!   `writev`, without copying it into the pool and without allocating. A
//!   connection queues at most
//!   [`LoopConfig::queued_values`](crate::machine::LoopConfig::queued_values)
//!   values; a full queue hands the value back ([`QueueFull`]) and the
//!   protocol expects a flush before it queues more: that is the
//!   backpressure.
//!
//! # Outbound connections
//!
//! [`Connect<P>`](Connect) is a stream that connects first. Its seed,
//! [`Outbound`], holds a socket whose `connect` is in progress
//! ([`Outbound::tcp`], [`Outbound::unix`]), the protocol value that takes
//! over (its per-connection data) and an optional connect deadline; it is
//! added with [`Connect::start`] in
//! [`Loop::add_machine_with`](crate::machine::Loop::add_machine_with), or
//! spawned by a running machine. While connecting, only writable interest
//! is registered; then the socket's pending error (`SO_ERROR`) decides:
//! [`Protocol::connected`] before any byte is read, or
//! [`Protocol::connect_failed`] with the error's kind, after which nothing
//! of the connection is held (fd, slot, timer). Errors a creator can act
//! on come back as values: [`OutboundError`] (with the protocol value) from
//! `Outbound::tcp`/`unix`, the registration error from `add_machine_with`.
//!
//! [`Persistent<P, A>`](Persistent) keeps one connection to an
//! [`Endpoint`] alive, reconnecting after a capped, jittered exponential
//! [`Backoff`]; the template protocol ([`Reconnect`]) hears every
//! disconnect, each connection's clone every (re)connect or failed attempt.
//!
//! Kinds `connect_failed` reports: `ConnectionRefused`, `HostUnreachable`,
//! `NetworkUnreachable`, `TimedOut` (the kernel's, or the deadline's:
//! [`CONNECT_TIMED_OUT`]), `Interrupted` (the loop drained first:
//! [`DRAINED_WHILE_CONNECTING`]), a registration's OS error, and
//! `OutOfMemory` ("buffer pool exhausted") when the connection was made
//! but the pool had no chunk for it (then also the loop's error hook).
//!
//! # However a connection ends, its memory goes back
//!
//! Done, an error from the protocol, a deadline, end of stream mid-message,
//! a read or write error, a reset, a failed create, a refused spawn, a
//! deadline the timer cannot take, the loop closing: every round of a stream
//! ends in one place that returns the connection's buffers and queued
//! values (all of them when the connection ends, the empty ones when it is
//! kept), and every machine ends in one place that clears its timer, frees
//! its slot and reclaims whatever memory a machine the loop dropped still
//! held. [`LoopInstance::buffers_free`](crate::machine::LoopInstance::buffers_free)
//! and its siblings show it.
//!
//! # Errors
//!
//! A failed read or write (`ConnectionReset`, `BrokenPipe`, ...: the peer's
//! doing, not the server's) goes to [`Protocol::error`] as a
//! [`MachineError`](crate::machine::MachineError) with the OS error's kind
//! and `raw_os_error`, and the connection closes; the loop's error hook is
//! not called. A connection that ends with an error of its own reports it
//! to the loop's error hook ([`Loop::on_error`](crate::machine::Loop::on_error))
//! and counts as failed in [`counters`](crate::counters). Its kind:
//!
//! - the OS error's kind for a failed registration;
//! - `OutOfMemory`: "buffer pool exhausted" (no chunk for a new
//!   connection), "timer capacity exhausted" (a deadline could not be
//!   armed), "no free machine slot";
//! - `Other`: "protocol made no progress" (callbacks that changed nothing,
//!   twice in a row: a protocol bug that would otherwise spin), "protocol
//!   closed at create" (`done` from `create`);
//! - whatever the protocol returned with `Intent::error`.
//!
//! A protocol can also be written as an enum of states with
//! `#[machine(protocol)]`: its handlers return [`Next`], an intent whose
//! target state is checked against the declared transitions at compile time.

mod backoff;
mod conn;
mod connect;
mod intent;
mod next;
mod outbound;
mod persistent;
mod protocol;
mod round;
mod stream_machine;
mod transport;

pub use backoff::Backoff;
pub use bytes::Bytes;
pub use connect::{Connect, CONNECT_TIMED_OUT, DRAINED_WHILE_CONNECTING};
pub use intent::{Expectation, Intent, IntentBuilder};
pub use next::{EndsIn, Event, GoesTo, Next, NextBuilder, Successors};
pub use outbound::{Outbound, OutboundError};
pub use persistent::{Endpoint, Persistent, Reconnect};
pub use protocol::{Limit, Protocol};
pub use stream_machine::Stream;
pub use transport::{BufferFull, Input, Output, QueueFull, Transport};
