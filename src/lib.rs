//! MIO — Metal IO: a lightweight non-blocking IO library.
//!
//! An epoll event loop with timers and a cross-thread channel built in, zero
//! allocations at runtime, non-blocking TCP/UDP/Unix sockets, and a
//! state-machine layer. This crate is the facade: it re-exports `mio-core`.

pub use mio_core::*;
