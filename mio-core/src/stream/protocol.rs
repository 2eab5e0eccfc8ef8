//! `Protocol`: a stream protocol as a few callbacks.

use std::io::{Read, Write};

use super::{Intent, Transport};
use crate::counters::StateNames;
use crate::machine::{MachineError, Scope};
use crate::Evented;

/// Which bound a connection hit; see [`Protocol::limit_exceeded`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The delimiter was not found within `max` bytes (or the buffer size,
    /// whichever is smaller).
    Delimiter {
        /// The bound that was hit.
        max: usize,
    },
    /// `expect_bytes(wanted)` asked for more than a buffer holds.
    BufferSize {
        /// What the protocol asked for.
        wanted: usize,
        /// The pool's chunk size.
        capacity: usize,
    },
    /// Every buffer of the loop's pool is held by some connection.
    PoolExhausted,
}

/// A protocol over a stream socket, driven by [`Stream`](super::Stream).
///
/// The protocol says what it expects next ([`Intent`]); the stream reads and
/// writes, and calls back only when the expectation is met
/// ([`bytes_read`](Protocol::bytes_read), [`bytes_flushed`](Protocol::bytes_flushed)),
/// the deadline passes ([`timeout`](Protocol::timeout)), someone wakes it
/// ([`wakeup`](Protocol::wakeup)), the loop drains
/// ([`drain`](Protocol::drain)), the peer ends the stream
/// ([`end_of_stream`](Protocol::end_of_stream)), a bound is hit
/// ([`limit_exceeded`](Protocol::limit_exceeded)), or IO fails
/// ([`error`](Protocol::error), after which the connection is closed).
///
/// An outbound connection ([`Connect`](super::Connect)) starts with
/// [`connected`](Protocol::connected) instead of `create`, or ends in
/// [`connect_failed`](Protocol::connect_failed) before it started.
///
/// # Examples
///
/// An echo protocol: whatever arrives is written back.
///
/// ```
/// use mio_core::machine::Scope;
/// use mio_core::stream::{Intent, Protocol, Transport};
/// use mio_core::unix::UnixStream;
///
/// struct Echo;
///
/// impl Protocol for Echo {
///     type Context = ();
///     type Socket = UnixStream;
///     fn create(_t: &mut Transport<'_, UnixStream>, _s: &mut Scope<'_, ()>) -> Intent<Self> {
///         Intent::of(Echo).expect_bytes(1)
///     }
///     fn bytes_read(self, t: &mut Transport<'_, UnixStream>, _end: usize, _s: &mut Scope<'_, ()>) -> Intent<Self> {
///         let (input, output) = t.buffers();
///         let n = output.push(input.data());
///         input.consume(n);
///         if input.is_empty() { Intent::of(Echo).expect_bytes(1) } else { Intent::of(Echo).expect_flush() }
///     }
///     fn bytes_flushed(self, _t: &mut Transport<'_, UnixStream>, _s: &mut Scope<'_, ()>) -> Intent<Self> {
///         Intent::of(Echo).expect_bytes(1)
///     }
///     fn timeout(self, _t: &mut Transport<'_, UnixStream>, _s: &mut Scope<'_, ()>) -> Intent<Self> {
///         Intent::done()
///     }
/// }
/// ```
pub trait Protocol: Sized {
    /// The loop's context.
    type Context;
    /// The stream socket (TCP, Unix, ...).
    type Socket: Read + Write + Evented;

    /// A connection starts; the socket is registered already.
    fn create(transport: &mut Transport<'_, Self::Socket>, scope: &mut Scope<'_, Self::Context>) -> Intent<Self>;

    /// An outbound connection is up (see [`Connect`](super::Connect)): the
    /// protocol value its creator put in the [`Outbound`](super::Outbound)
    /// seed, with whatever per-connection data it holds, starts here, before
    /// any byte is read. Default: what [`create`](Protocol::create) does (the
    /// value is dropped), so a protocol written for accepted connections
    /// works as a client unchanged.
    fn connected(
        self,
        transport: &mut Transport<'_, Self::Socket>,
        scope: &mut Scope<'_, Self::Context>,
    ) -> Intent<Self> {
        let _ = self;
        Self::create(transport, scope)
    }

    /// An outbound connection could not be made; the socket is closed
    /// already and nothing of the connection is held any more. `error`'s
    /// [`kind`](MachineError::kind):
    ///
    /// - `ConnectionRefused`: nothing listens at the address;
    /// - `HostUnreachable`, `NetworkUnreachable`: no route (with the OS code);
    /// - `TimedOut`: the connect deadline passed ("connect deadline
    ///   passed", no OS code; see [`Outbound::deadline`](super::Outbound::deadline)),
    ///   or the kernel gave up (`ETIMEDOUT`);
    /// - `Interrupted`: the loop drained before the connection was made
    ///   ("loop drains while connecting");
    /// - `OutOfMemory` ("buffer pool exhausted"): the connection was made
    ///   but the loop's pool had no chunk for it (also reported to the
    ///   loop's error hook);
    /// - the OS error of registering the socket, or of `SO_ERROR` itself.
    ///
    /// Default: nothing.
    fn connect_failed(self, error: MachineError, scope: &mut Scope<'_, Self::Context>) {
        let _ = (error, scope);
    }

    /// The expectation is met: `transport.input().data()[..end]` is the
    /// frame (for a delimiter, `end` is just past it). Consume what you used.
    fn bytes_read(
        self,
        transport: &mut Transport<'_, Self::Socket>,
        end: usize,
        scope: &mut Scope<'_, Self::Context>,
    ) -> Intent<Self>;

    /// All output was written (after `expect_flush`).
    fn bytes_flushed(
        self,
        transport: &mut Transport<'_, Self::Socket>,
        scope: &mut Scope<'_, Self::Context>,
    ) -> Intent<Self>;

    /// The deadline passed.
    fn timeout(self, transport: &mut Transport<'_, Self::Socket>, scope: &mut Scope<'_, Self::Context>)
        -> Intent<Self>;

    /// Someone called [`Notifier::wakeup`](crate::machine::Notifier::wakeup).
    /// May be spurious; default: nothing changes.
    fn wakeup(self, transport: &mut Transport<'_, Self::Socket>, scope: &mut Scope<'_, Self::Context>) -> Intent<Self> {
        let _ = (transport, scope);
        Intent::of(self).unchanged()
    }

    /// The loop drains (see [`Scope::drain_loop`]): finish what was
    /// started, take nothing new, and close — an idle connection at once.
    /// Called once, when the drain starts; [`Scope::is_draining`] tells the
    /// other callbacks (a request that completes later gets its answer,
    /// then the connection closes). The loop's drain deadline closes the
    /// connection if it is still open then. Default: nothing changes (the
    /// connection goes on as before, until it ends or the deadline).
    fn drain(self, transport: &mut Transport<'_, Self::Socket>, scope: &mut Scope<'_, Self::Context>) -> Intent<Self> {
        let _ = (transport, scope);
        Intent::of(self).unchanged()
    }

    /// The peer closed its side while the expectation was not met; the
    /// unconsumed input is still there. Default: close.
    fn end_of_stream(
        self,
        transport: &mut Transport<'_, Self::Socket>,
        scope: &mut Scope<'_, Self::Context>,
    ) -> Intent<Self> {
        let _ = (transport, scope);
        Intent::done()
    }

    /// A bound was hit (see [`Limit`]). Default: close.
    fn limit_exceeded(
        self,
        transport: &mut Transport<'_, Self::Socket>,
        limit: Limit,
        scope: &mut Scope<'_, Self::Context>,
    ) -> Intent<Self> {
        let _ = (transport, limit, scope);
        Intent::done()
    }

    /// Reading or writing failed (reset peer, ...); the connection is closed
    /// after this call. Default: nothing.
    fn error(self, error: MachineError, scope: &mut Scope<'_, Self::Context>) {
        let _ = (error, scope);
    }

    /// The names of the protocol's states, for the loop's per-state counts
    /// ([`Counters::states`](crate::counters::Counters::states)): the stream
    /// counts each connection in its [`state_index`](Protocol::state_index)
    /// from the end of one round to the next, and in none once it ended,
    /// however it ended. Default: `None`, no per-state counts.
    /// `#[machine(protocol)]` returns its states (`http::STATE_NAMES` for
    /// `enum Http`).
    fn state_names() -> Option<&'static StateNames> {
        None
    }

    /// Which of [`state_names`](Protocol::state_names) this value is in.
    /// Default: 0.
    fn state_index(&self) -> usize {
        0
    }
}
