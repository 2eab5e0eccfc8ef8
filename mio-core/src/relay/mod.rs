//! Relays: bytes both ways between two sockets of one machine, through the
//! loop's buffer pool (what a TCP proxy does per connection).
//!
//! A [`Relay`] owns two stream sockets, registered as its machine's
//! [sources](crate::machine::Scope::source) [`Relay::A`] and [`Relay::B`].
//! The machine hands it every readiness event ([`Relay::ready`]) and learns
//! whether the relay goes on or ended.
//!
//! - **Memory**: one pool chunk per direction
//!   ([`LoopConfig::buffers`](crate::machine::LoopConfig::buffers)), taken
//!   when a side is readable and given back as soon as it is written out,
//!   so an idle relay holds none and a busy one at most two. No allocation.
//! - **Backpressure**: a direction reads only into an empty chunk; while the
//!   other side does not take what was read, nothing more is read from this
//!   one, and the kernel's buffers push back on the sender.
//! - **Half-close**: end of stream from one side is passed on as
//!   `shutdown(Write)` to the other once the bytes buffered for it are
//!   written; the other direction goes on. The relay is
//!   [`Done`](Step::Done) when both directions ended so.
//! - **Edge-triggered**: readiness is remembered per side and cleared only
//!   when a read or write comes up dry, so no edge is lost; on the poll(2)
//!   backend ([`Poll::EDGE_NEEDS_WOULD_BLOCK`](crate::Poll::EDGE_NEEDS_WOULD_BLOCK))
//!   reads and writes go on to `WouldBlock`.
//! - **Turns**: a turn moves bytes until each direction would block or
//!   has nothing to move. As with a [`Stream`](crate::stream::Stream),
//!   two peers that keep up with each other indefinitely keep the loop in
//!   one turn for as long: there is no per-turn byte budget, since a relay
//!   that stopped early would need a wake-up the edge-triggered poll does
//!   not give.
//! - **Ends**: [`Step::Done`] and [`Step::Failed`] (a reset, a failed write,
//!   the pool exhausted) give the chunks back before they return; a machine
//!   that ends its relay for its own reasons (an idle deadline, a drain)
//!   calls [`Relay::close`]. A relay the loop drops (closing, or a deadline
//!   the timer could not take) has its chunks reclaimed by the loop.
//!
//! # Examples
//!
//! A machine that relays between two sockets it was given, with an idle
//! deadline (examples/proxy.rs adds the connect):
//!
//! ```
//! use std::time::Duration;
//! use mio_core::machine::{Created, Machine, Response, Scope};
//! use mio_core::relay::{Relay, Step};
//! use mio_core::unix::UnixStream;
//! use mio_core::EventSet;
//!
//! const IDLE: Duration = Duration::from_secs(60);
//!
//! struct Pair(Relay<UnixStream, UnixStream>);
//!
//! impl Machine for Pair {
//!     type Context = ();
//!     type Seed = (UnixStream, UnixStream);
//!     fn create((a, b): Self::Seed, scope: &mut Scope<'_, ()>) -> Created<Self> {
//!         match Relay::start(a, b, scope) {
//!             Step::Open(relay) => Created::keep(Pair(relay)).deadline(scope.now() + IDLE),
//!             Step::Done => Created::error(mio_core::machine::MachineError::new(
//!                 std::io::ErrorKind::Other, "both sides had ended already")),
//!             Step::Failed(e) => Created::error(e),
//!         }
//!     }
//!     fn ready(self, events: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, Self::Seed> {
//!         match self.0.ready(events, scope) {
//!             Step::Open(relay) => Response::keep(Pair(relay)).deadline(scope.now() + IDLE),
//!             Step::Done | Step::Failed(_) => Response::done(),
//!         }
//!     }
//!     fn timeout(self, scope: &mut Scope<'_, ()>) -> Response<Self, Self::Seed> {
//!         self.0.close(scope);
//!         Response::done()
//!     }
//! }
//! ```

mod half_close;
mod pipe;

use std::io::{self, Read, Write};

use crate::machine::{MachineError, Scope};
use crate::{EventSet, Evented, PollOpt};

pub use half_close::HalfClose;
use pipe::{Pipe, Side};

/// A scope without the loop's buffers: a relay driven from a stream's
/// callback.
const NO_BUFFERS: MachineError =
    MachineError::new(io::ErrorKind::Unsupported, "no buffers in this scope (a relay inside a stream's callback)");

/// Bytes both ways between sockets `a` and `b`, with backpressure and
/// half-close (see the [module](self)).
#[derive(Debug)]
pub struct Relay<A, B> {
    a: A,
    b: B,
    /// What is known of each socket's readiness.
    ready_a: Side,
    ready_b: Side,
    a_to_b: Pipe,
    b_to_a: Pipe,
}

/// What a relay's turn ended in.
#[derive(Debug)]
pub enum Step<A, B> {
    /// Still relaying: keep it and hand it the next event.
    Open(Relay<A, B>),
    /// Both sides reached end of stream and every byte was passed on: the
    /// sockets are closed (dropped), the chunks back in the pool.
    Done,
    /// A read, write or shutdown failed (a reset, say), or the pool had no
    /// chunk: the sockets are closed, the chunks back in the pool.
    Failed(MachineError),
}

impl<A, B> Relay<A, B>
where
    A: Read + Write + Evented + HalfClose,
    B: Read + Write + Evented + HalfClose,
{
    /// The source index `a` is registered under.
    pub const A: usize = 0;
    /// The source index `b` is registered under.
    pub const B: usize = 1;

    /// Starts relaying between `a` and `b`, which may be registered with
    /// this machine already (under any interest and source: they are
    /// reregistered) or not at all (they are registered), and runs a first
    /// turn, since either may hold bytes an edge reported earlier. A
    /// failed registration is [`Step::Failed`].
    pub fn start<C>(a: A, b: B, scope: &mut Scope<'_, C>) -> Step<A, B> {
        let both = EventSet::readable() | EventSet::writable();
        let mut register = |io: &dyn Evented, source| {
            scope
                .reregister_source(io, source, both, PollOpt::edge())
                .or_else(|_| scope.register_source(io, source, both, PollOpt::edge()))
        };
        if let Err(e) = register(&a, Self::A).and_then(|()| register(&b, Self::B)) {
            return Step::Failed(e.into());
        }
        let relay =
            Relay { a, b, ready_a: Side::UNKNOWN, ready_b: Side::UNKNOWN, a_to_b: Pipe::EMPTY, b_to_a: Pipe::EMPTY };
        relay.turn(scope)
    }

    /// Handles a readiness event of this machine: the scope's
    /// [`source`](Scope::source) says which socket it is for (an event of
    /// another source only moves what is already known to be ready).
    #[inline]
    pub fn ready<C>(mut self, events: EventSet, scope: &mut Scope<'_, C>) -> Step<A, B> {
        match scope.source() {
            Self::A => self.ready_a.note(events),
            Self::B => self.ready_b.note(events),
            _ => {}
        }
        self.turn(scope)
    }

    /// Ends the relay now: the chunks go back to the pool, bytes still in
    /// them are dropped, the sockets close.
    pub fn close<C>(mut self, scope: &mut Scope<'_, C>) {
        if let Some(buffers) = scope.buffers.as_deref_mut() {
            self.a_to_b.release(buffers);
            self.b_to_a.release(buffers);
        }
    }

    /// The socket on side A.
    pub fn a(&self) -> &A {
        &self.a
    }

    /// The socket on side B.
    pub fn b(&self) -> &B {
        &self.b
    }

    /// Pumps both directions as far as they go.
    #[inline]
    fn turn<C>(mut self, scope: &mut Scope<'_, C>) -> Step<A, B> {
        let owner = scope.token().0 as u32;
        let Some(buffers) = scope.buffers.as_deref_mut() else { return Step::Failed(NO_BUFFERS) };
        let Relay { a, b, ready_a, ready_b, a_to_b, b_to_a } = &mut self;
        let result = a_to_b
            .pump((a, ready_a), (b, ready_b), buffers, owner)
            .and_then(|()| b_to_a.pump((b, ready_b), (a, ready_a), buffers, owner));
        if let Err(e) = result {
            self.a_to_b.release(buffers);
            self.b_to_a.release(buffers);
            return Step::Failed(e);
        }
        if self.a_to_b.shut && self.b_to_a.shut {
            return Step::Done;
        }
        Step::Open(self)
    }
}
