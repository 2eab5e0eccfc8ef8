//! Machines: rotor's state-machine model over the event loop, with its
//! runtime panics turned into types.
//!
//! A [`Machine`] is a value that handles events and returns what happens
//! next ([`Response`]). A [`Loop`] holds a fixed-capacity slab of machines
//! (token == slot), dispatches readiness, deadlines and wake-ups to them, and
//! turns spawned seeds into new machines at once. [`Accept`] is the
//! ready-made listener machine; the [`stream`](crate::stream) module adds
//! buffered protocols on top.

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
