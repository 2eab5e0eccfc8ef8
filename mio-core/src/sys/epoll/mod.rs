//! Linux backend: epoll(7).

mod events;
mod io_source_state;
mod selector;

pub(crate) use events::Events;
pub(crate) use io_source_state::IoSourceState;
pub(crate) use selector::Selector;

pub(crate) const NAME: &str = "epoll";
