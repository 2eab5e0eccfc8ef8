//! The runtime of MIO (Metal IO): a non-blocking IO event loop over epoll
//! (poll(2) on other Unix) with a timer wheel and a cross-thread channel built
//! in, non-blocking sockets, and a state-machine layer. Users depend on the
//! `mio` facade crate, which re-exports everything here.
//!
//! Layers:
//! * [`Poll`] / [`Events`]: the selector alone;
//! * [`EventLoop`] + [`Handler`]: poll, timers ([`timer`]) and messages
//!   ([`channel`]) in one loop, mio 0.5's API;
//! * sockets in [`tcp`], [`udp`] and [`unix`].
//!
//! Nothing allocates in steady state: every buffer is sized at construction.

#[doc(hidden)]
pub mod __private;
mod bitset;
pub mod channel;
mod event_loop;
mod event_set;
mod evented;
mod io_event;
mod io_source;
mod loom;
pub mod machine;
mod poll;
mod poll_opt;
pub mod stream;
mod sys;
pub mod tcp;
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
