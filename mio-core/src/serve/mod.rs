//! One loop per core: a [`LoopGroup`] runs N machine loops on N threads,
//! sharing nothing, each accepting from its own listener on one address
//! (`SO_REUSEPORT`, see [`TcpListener::bind_reuseport`](crate::tcp::TcpListener::bind_reuseport)).
//!
//! MIO has no multi-threaded loop and no work stealing: a connection lives
//! and dies on the loop that accepted it, and the kernel spreads new
//! connections over the loops by a hash of their addresses. What the group
//! adds over N hand-made threads: the listeners bound to one port (port 0
//! too), optional CPU [`Pinning`], one context per loop from a factory, one
//! set of shutdown signals for all loops, the group stopping as a whole when
//! one loop ends, every loop's error returned ([`GroupError`]), every thread
//! joined, and per-loop handles ([`Loops::handles`]) to post to one loop or
//! to all from outside.
//!
//! # Examples
//!
//! Two loops, each counting the connections it accepted in its own context
//! (no locks, no atomics on the loop's path), stopped from the outside:
//!
//! ```
//! use std::cell::Cell;
//! use mio_core::machine::{Accept, Created, Loop, Machine, Response, Scope};
//! use mio_core::serve::LoopGroup;
//! use mio_core::tcp::{TcpListener, TcpStream};
//! use mio_core::{EventSet, PollOpt};
//!
//! /// Counts itself in its loop's context; ends when the peer closes.
//! struct Counted(TcpStream);
//!
//! impl Machine for Counted {
//!     type Context = Cell<usize>; // per loop: needs no Send
//!     type Seed = TcpStream;
//!     fn create(stream: TcpStream, scope: &mut Scope<'_, Cell<usize>>) -> Created<Self> {
//!         scope.set(scope.get() + 1);
//!         match scope.register(&stream, EventSet::readable(), PollOpt::edge()) {
//!             Ok(()) => Created::ok(Counted(stream)),
//!             Err(e) => Created::error(e.into()),
//!         }
//!     }
//!     fn ready(self, _: EventSet, _: &mut Scope<'_, Cell<usize>>) -> Response<Self, TcpStream> {
//!         Response::done() // the peer closed (this example's peers send nothing)
//!     }
//!     fn timeout(self, _: &mut Scope<'_, Cell<usize>>) -> Response<Self, TcpStream> {
//!         Response::done()
//!     }
//! }
//!
//! let loops = LoopGroup::new("127.0.0.1:0".parse().unwrap())
//!     .threads(2)
//!     .spawn(
//!         |_index| Cell::new(0),
//!         |lp: &mut Loop<Accept<TcpListener, Counted>>, listener, index| {
//!             lp.add_machine_with(|scope| Accept::new(listener, scope))?;
//!             Ok(index) // what `handles()` gives back for this loop
//!         },
//!     )?;
//! assert_eq!(loops.handles(), [0, 1]);
//! drop(std::net::TcpStream::connect(loops.local_addr())?); // accepted by one of the loops
//! loops.stop();
//! loops.wait()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod group;
mod loops;
mod pinning;
mod supervisor;
mod worker;

pub use error::{GroupError, LoopFailure, Stage};
pub use group::LoopGroup;
pub use loops::{Loops, Stopper};
pub use pinning::Pinning;
