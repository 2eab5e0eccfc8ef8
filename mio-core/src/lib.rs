//! The runtime of MIO (Metal IO): a non-blocking IO event loop over epoll
//! (poll(2) on other Unix) with a timer wheel and a cross-thread channel built
//! in, non-blocking sockets, and a state-machine layer. Users depend on the
//! `mio` facade crate, which re-exports everything here and adds
//! `#[machine]`; its front page walks through the layers with a runnable
//! server for each.
//!
//! # Layers
//!
//! * [`Poll`] / [`Events`]: the selector alone;
//! * [`EventLoop`] + [`Handler`]: poll, timers ([`timer`]) and messages
//!   ([`channel`]) in one loop, mio 0.5's API; sockets in [`tcp`], [`udp`]
//!   and [`unix`];
//! * [`machine`]: one value per connection in a preallocated slab, events
//!   dispatched by token, responses that keep, spawn or end it, deadlines
//!   and wake-ups; [`Accept`](machine::Accept) for listeners;
//! * [`stream`]: [`Stream<P>`](stream::Stream), a machine that drives a
//!   [`Protocol`](stream::Protocol) over a stream socket through pool
//!   buffers, calling it only when its expectation is met;
//! * [`relay`]: bytes both ways between two sockets of one machine, through
//!   the same pool, with backpressure and half-close (a proxy's core);
//! * [`serve`]: one loop per core, each with its own `SO_REUSEPORT`
//!   listener.
//!
//! Nothing allocates in steady state: every buffer is sized at construction.
//!
//! # Example: the three layers
//!
//! Layer 1, a handler that counts timeouts:
//!
//! ```
//! use std::time::Duration;
//! use mio_core::{EventLoop, Handler};
//!
//! struct Count(u32);
//! impl Handler for Count {
//!     type Timeout = ();
//!     type Message = ();
//!     fn timeout(&mut self, el: &mut EventLoop<Self>, _: ()) {
//!         self.0 += 1;
//!         el.shutdown();
//!     }
//! }
//! let mut el = EventLoop::new()?;
//! el.timeout((), Duration::from_millis(1)).unwrap();
//! let mut count = Count(0);
//! el.run(&mut count)?;
//! assert_eq!(count.0, 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Layer 2, a machine with a deadline, in a [`Loop`](machine::Loop):
//!
//! ```
//! use std::time::Duration;
//! use mio_core::machine::{Created, Loop, LoopConfig, Machine, Response, Scope};
//! use mio_core::EventSet;
//!
//! struct Once;
//! impl Machine for Once {
//!     type Context = bool;
//!     type Seed = ();
//!     fn create(_: (), s: &mut Scope<'_, bool>) -> Created<Self> {
//!         Created::keep(Once).deadline(s.now() + Duration::from_millis(1))
//!     }
//!     fn ready(self, _: EventSet, _: &mut Scope<'_, bool>) -> Response<Self, ()> {
//!         Response::unchanged(self)
//!     }
//!     fn timeout(self, s: &mut Scope<'_, bool>) -> Response<Self, ()> {
//!         **s = true; // the loop's context
//!         s.shutdown_loop();
//!         Response::done()
//!     }
//! }
//! let mut lp = Loop::<Once>::new(&LoopConfig::new())?.instantiate(false);
//! lp.add_machine_with(|s| Once::create((), s)).unwrap();
//! lp.run()?;
//! assert!(*lp.context());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Layer 3, a stream protocol over a Unix socket pair: the protocol says
//! what it expects, the stream calls it once that is buffered.
//!
//! ```
//! use std::io::{Read, Write};
//! use mio_core::machine::{Loop, LoopConfig, Machine, Scope};
//! use mio_core::stream::{Intent, Protocol, Stream, Transport};
//! use mio_core::unix::UnixStream;
//!
//! /// Answers each line with its length, in decimal.
//! struct Len;
//! impl Protocol for Len {
//!     type Context = ();
//!     type Socket = UnixStream;
//!     fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::of(Len).expect_delimiter(b"\n", 1024)
//!     }
//!     fn bytes_read(self, t: &mut Transport<'_, UnixStream>, end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         t.input().consume(end);
//!         let _ = writeln!(t.output(), "{}", end - 1);
//!         Intent::of(Len).expect_delimiter(b"\n", 1024)
//!     }
//!     fn bytes_flushed(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::of(Len).expect_delimiter(b"\n", 1024)
//!     }
//!     fn timeout(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::done()
//!     }
//! }
//!
//! let (ours, mut theirs) = UnixStream::pair()?;
//! let mut lp = Loop::<Stream<Len>>::new(&LoopConfig::new())?.instantiate(());
//! lp.add_machine_with(|s| Stream::create(ours, s)).unwrap();
//! theirs.write_all(b"hello\n")?;
//! let mut reply = Vec::new();
//! for _ in 0..1000 {
//!     lp.run_once(Some(std::time::Duration::from_millis(10)))?;
//!     let mut buf = [0; 8];
//!     if let Ok(n) = theirs.read(&mut buf) { reply.extend_from_slice(&buf[..n]) }
//!     if reply.ends_with(b"\n") { break }
//! }
//! assert_eq!(reply, b"5\n");
//! # Ok::<(), std::io::Error>(())
//! ```

#[doc(hidden)]
pub mod __private;
mod bitset;
mod buffers;
pub mod channel;
pub mod counters;
mod event_loop;
mod event_set;
mod evented;
mod io_event;
mod io_source;
mod loom;
pub mod machine;
mod poll;
mod poll_opt;
pub mod relay;
pub mod serve;
pub mod stream;
mod sys;
pub mod tcp;
pub mod testing;
pub mod timer;
mod token;
mod try_io;
pub mod udp;
pub mod unix;

pub use channel::{NotifyError, Sender};
pub use event_loop::{EventLoop, EventLoopConfig, Handler, MAX_PREALLOCATED};
pub use event_set::EventSet;
pub use evented::Evented;
pub use io_event::IoEvent;
pub use poll::{Events, Iter, Poll};
pub use poll_opt::PollOpt;
pub use timer::{Timeout, TimerError};
pub use token::Token;
pub use try_io::{TryAccept, TryRead, TryWrite};
