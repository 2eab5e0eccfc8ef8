//! MIO — Metal IO: a lightweight non-blocking IO library.
//!
//! An epoll event loop with timers and a cross-thread channel built in, zero
//! allocations at runtime, non-blocking TCP/UDP/Unix sockets, and a
//! state-machine layer. This crate is the facade: it re-exports `mio-core`,
//! and the [`machine`](macro@machine) attribute of `mio-derive`.

pub use mio_core::*;
/// Generates a machine from an enum; see the [`mio_derive`] crate.
///
/// * `#[machine]` on an enum whose variants each wrap one machine: the seed
///   enum, `impl Machine` dispatching by `match`, and `From` impls.
/// * `#[machine(protocol)]` on an enum of states with `#[state(..)]`
///   attributes: state types whose transitions are checked at compile time.
pub use mio_derive::machine;
