//! Portable backend: poll(2), for Unix systems without epoll (and for tests
//! on Linux with `--cfg mio_force_poll`).
//!
//! poll(2) has no kernel-side registrations, so the selector keeps a pollfd
//! table sized at construction (no allocation at runtime, a typed error when
//! full) and each poll costs O(registered fds). poll(2) is level-triggered;
//! edge and oneshot are emulated by disarming interests after they are
//! reported (see `readiness.rs`), and an edge registration is re-armed when
//! the source's IO returns `WouldBlock` (`IoSourceState::do_io`) or when it is
//! reregistered.

mod events;
mod fd_index;
mod io_source_state;
mod readiness;
mod selector;
mod table;

pub(crate) use events::Events;
pub(crate) use io_source_state::IoSourceState;
pub(crate) use selector::Selector;

pub(crate) const NAME: &str = "poll";

/// Whether only `WouldBlock` re-arms an edge registration: edge is emulated: see the module docs.
pub(crate) const EDGE_NEEDS_WOULD_BLOCK: bool = true;
