//! Linux backend: epoll(7).

mod events;
mod io_source_state;
mod selector;

pub(crate) use events::Events;
pub(crate) use io_source_state::IoSourceState;
pub(crate) use selector::Selector;

pub(crate) const NAME: &str = "epoll";

/// Whether only `WouldBlock` re-arms an edge registration: epoll reports every new readiness itself.
pub(crate) const EDGE_NEEDS_WOULD_BLOCK: bool = false;
