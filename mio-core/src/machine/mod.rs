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
mod config;
mod dispatch;
mod drain;
mod error;
#[allow(clippy::module_inception)]
mod machine;
mod notifier;
mod response;
mod runtime;
mod scope;
mod signal_watch;
mod simulate;
mod table;

pub use accept::{Accept, Listener, ACCEPT_BACKOFF};
pub use config::LoopConfig;
pub use dispatch::ErrorHook;
pub(crate) use dispatch::Wake;
pub use error::{MachineError, SpawnError, SpawnErrorKind, WakeupError};
pub(crate) use error::{NO_FREE_SLOT, TIMER_FULL};
pub use machine::Machine;
pub use notifier::Notifier;
pub(crate) use response::{Action, Deadline};
pub use response::{Created, Keep, Response};
pub use runtime::{Loop, LoopInstance};
pub use scope::Scope;
pub use signal_watch::SignalShutdown;
