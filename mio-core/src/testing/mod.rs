//! Testing protocols without sockets: a [`Harness`] runs the real
//! [`Stream<P>`](crate::stream::Stream) in a real machine loop over
//! [`SimSocket`]s and a [`ManualClock`](crate::timer::ManualClock), driven
//! by the test byte by byte and millisecond by millisecond. No socket fd,
//! no thread, no sleep (the loop's own epoll and waker exist, and are
//! polled without waiting).
//!
//! What a test can do, connection by connection ([`Peer`]): send input in
//! the chunks it chooses ([`Harness::send`], [`Harness::feed`]), bound the
//! peer's receive window so writes are partial or blocked
//! ([`Harness::set_window`]), end the stream, reset it or fail a read
//! ([`Harness::close`], [`Harness::reset`], [`Harness::fail_read`]), move
//! the clock so deadlines fire ([`Harness::advance`]), wake the protocol
//! ([`Harness::wake`]), drain the loop, and read what was written
//! ([`Harness::take_output`]). It can then ask whether the connection is
//! open, closed or failed and why ([`Harness::status`]), name the
//! protocol's state ([`Harness::state_name`]), see its deadline, and count
//! the pool buffers held ([`Harness::buffers_held`]).
//!
//! A whole server runs on it too: a [`SimListener`] handed to an
//! [`Accept`](crate::machine::Accept) (alone or in a `#[machine]`
//! composition) accepts the connections the test opens
//! ([`Harness::connect_to`]), and each is driven as above.
//!
//! The harness adds no work to the loop's own path: readiness is handed to
//! the machine through the same `Handler::ready` a poll's events go
//! through, from a crate-internal hook only the harness calls.

mod harness;
mod registration;
mod sim_listener;
mod sim_socket;

pub use harness::{Harness, ListenerId, Peer, Status, MAX_SETTLE_TURNS};
pub use sim_listener::SimListener;
pub use sim_socket::SimSocket;
