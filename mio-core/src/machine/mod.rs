//! Machines: rotor's state-machine model over the event loop, with its
//! runtime panics turned into types.
//!
//! A [`Machine`] is a value that handles events and returns what happens
//! next ([`Response`]). A [`Loop`] holds a fixed-capacity slab of machines
//! (token == slot), dispatches readiness, deadlines and wake-ups to them, and
//! turns spawned seeds into new machines at once. [`Accept`] is the
//! ready-made listener machine; the [`stream`](crate::stream) module adds
//! buffered protocols on top.
//!
//! # Messages between machines of one loop
//!
//! Every machine has an [`Address`] (token and generation, `Copy`): its own
//! from [`Scope::address`], a new one's from [`Loop::add_machine_with`] or,
//! after a spawn, [`Scope::spawned`]. With it, on the loop's thread:
//!
//! - [`Scope::wake`] calls the machine's [`Machine::wakeup`] at the end of
//!   this turn (or early in the next, when made while this turn's wake-ups
//!   are delivered). Wake-ups of one machine coalesce until it runs; the
//!   queue is allocated with the loop (one entry per slot); nothing goes
//!   through the cross-thread channel ([`Notifier`] is for other threads).
//! - [`Scope::send_to`] puts a value in the receiver's bounded
//!   [`Mailboxes<T>`] (kept in the context) and wakes it; the receiver takes
//!   its values with [`Scope::next_message`], in the order they were sent.
//! - [`Scope::publish`] stores a value once in a [`Broadcast<T>`] ring and
//!   wakes every subscriber ([`Scope::subscribe`]), which read it with
//!   [`Scope::read_broadcast`]; a reader that falls more than the ring
//!   behind is told how many values it lost ([`Lagged`]).
//!
//! The errors are values, and hand back what was not delivered: a stale
//! address (the machine ended; its token may hold another machine now,
//! which is never reached) is [`Gone`] or [`SendError::Gone`]; a full
//! mailbox is [`SendError::Full`]; tables made for fewer machines than the
//! loop holds give [`SendError::NoMailbox`] and [`NoSlot`]. None of it
//! allocates after the tables are made.
//!
//! # Several sockets in one machine
//!
//! Every source a machine registers reports under its token. A machine that
//! owns several (a proxy's client and upstream, say) registers each with
//! [`Scope::register_source`] and an index below [`MAX_SOURCES`]; in
//! [`Machine::ready`], [`Scope::source`] says which one the event is for.
//! The index travels in the token's high bits, so dispatch costs a mask and
//! a shift, no lookup. [`relay::Relay`](crate::relay::Relay) is built on it.
//!
//! # Graceful drain
//!
//! [`LoopInstance::drain`] (from outside a turn), [`Scope::drain_loop`]
//! (from a machine), [`SignalShutdown::draining`] (on SIGTERM, say) and
//! [`serve::Loops::drain`](crate::serve::Loops::drain) (every loop of a
//! group) drain a loop until a deadline. Every machine alive is told once,
//! through [`Machine::drain`]: an [`Accept`] closes its listener at once
//! and tells its connections; a [`Stream`](crate::stream::Stream) calls
//! [`Protocol::drain`](crate::stream::Protocol::drain), where a protocol
//! finishes what it started and closes (an idle connection at once). The
//! default keeps the machine as it is, so code that ignores drains works
//! as before. The loop stops when the last machine that is not a
//! [daemon](Created::daemon) (a signal watcher, an expirer) ends, or at
//! the deadline, which ends every machine left through the same path as
//! any machine's end: sockets close, timers are cleared, stream buffers go
//! back to the pool. A signal during a drain ([`SignalShutdown::draining`])
//! or [`Scope::shutdown_loop`] stops the loop at once.

mod accept;
mod address;
mod broadcast;
mod config;
mod dispatch;
mod drain;
mod error;
mod local_wakes;
#[allow(clippy::module_inception)]
mod machine;
mod mailboxes;
mod notifier;
mod response;
mod runtime;
mod scope;
mod signal_watch;
mod simulate;
mod source;
mod table;

pub use accept::{Accept, Listener, ACCEPT_BACKOFF};
pub use address::{Address, Gone};
pub use broadcast::{Broadcast, Lagged, NoSlot};
pub use config::LoopConfig;
pub use dispatch::ErrorHook;
pub(crate) use dispatch::Wake;
pub use error::{MachineError, SpawnError, SpawnErrorKind, WakeupError};
pub(crate) use error::{NO_FREE_SLOT, TIMER_FULL};
pub use machine::Machine;
pub use mailboxes::{Mailboxes, SendError};
pub use notifier::Notifier;
pub(crate) use response::{Action, Deadline};
pub use response::{Created, Keep, Response};
pub use runtime::{Loop, LoopInstance};
pub use scope::Scope;
pub use signal_watch::SignalShutdown;
pub use source::MAX_SOURCES;
