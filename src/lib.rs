//! MIO — Metal IO: a lightweight non-blocking IO library.
//!
//! An epoll event loop with timers and a cross-thread channel built in, zero
//! allocations at runtime, non-blocking TCP/UDP/Unix sockets, and a
//! state-machine layer. This crate is the facade: it re-exports `mio-core`,
//! and the [`machine`](macro@machine) attribute of `mio-derive`.
//!
//! # Composing machines with `#[machine]`
//!
//! A loop runs one machine type; `#[machine]` makes one out of several. Each
//! variant wraps a machine; the generated `impl Machine` dispatches by
//! `match`, and the generated seed enum (`ServerSeed` here) routes a spawned
//! seed back to the variant that spawned it.
//!
//! ```
//! use mio::machine::{Accept, Created, Machine, Response, Scope};
//! use mio::stream::{Intent, Protocol, Stream, Transport};
//! use mio::unix::{UnixListener, UnixStream};
//! use mio::EventSet;
//!
//! struct Echo;
//!
//! impl Protocol for Echo {
//!     type Context = ();
//!     type Socket = UnixStream;
//!     fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::of(Echo).expect_bytes(1)
//!     }
//!     fn bytes_read(self, t: &mut Transport<'_, UnixStream>, _: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         let (input, output) = t.buffers();
//!         let n = output.push(input.data());
//!         input.consume(n);
//!         Intent::of(Echo).expect_flush()
//!     }
//!     fn bytes_flushed(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::of(Echo).expect_bytes(1)
//!     }
//!     fn timeout(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::done()
//!     }
//! }
//!
//! /// Wakes up every second.
//! struct Ticker;
//!
//! impl Machine for Ticker {
//!     type Context = ();
//!     type Seed = ();
//!     fn create(_: (), scope: &mut Scope<'_, ()>) -> Created<Self> {
//!         Created::keep(Ticker).deadline(scope.now() + std::time::Duration::from_secs(1))
//!     }
//!     fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
//!         Response::ok(self)
//!     }
//!     fn timeout(self, scope: &mut Scope<'_, ()>) -> Response<Self, ()> {
//!         Response::keep(self).deadline(scope.now() + std::time::Duration::from_secs(1))
//!     }
//! }
//!
//! #[mio::machine]
//! enum Server {
//!     Listener(Accept<UnixListener, Stream<Echo>>),
//!     Ticker(Ticker),
//! }
//!
//! fn is_machine<M: Machine<Context = (), Seed = ServerSeed>>() {}
//! is_machine::<Server>();
//! let _ = ServerSeed::Ticker(());
//! ```
//!
//! # Protocols as checked state machines with `#[machine(protocol)]`
//!
//! The variants are the states of a stream protocol; `#[state(..)]` declares
//! the start, the transitions and the `done` states. The macro generates a
//! module (`http` here) with one type per state, an `After<State>` enum per
//! running state, and a `Handlers` trait with one method per running state.
//! A handler can only return the states its `to(..)` lists (or its own):
//! anything else fails to compile, at the handler's expression.
//!
//! ```
//! use mio::machine::Scope;
//! use mio::stream::{Event, Next, Protocol, Transport};
//! use mio::tcp::TcpStream;
//!
//! #[mio::machine(protocol)]
//! #[derive(Debug)]
//! enum Http {
//!     #[state(start, to(Respond))]
//!     Headers,
//!     #[state(to(Headers, Closed))]
//!     Respond { keep_alive: bool },
//!     #[state(done)]
//!     Closed,
//! }
//!
//! use http::{Closed, Headers, Respond};
//! type T<'a> = Transport<'a, TcpStream>;
//!
//! impl http::Handlers for Http {
//!     type Context = ();
//!     type Socket = TcpStream;
//!
//!     fn create(_: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<Headers> {
//!         Next::of(Headers).expect_delimiter(b"\r\n\r\n", 8192)
//!     }
//!
//!     fn on_headers(_: Headers, event: Event, t: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<http::AfterHeaders> {
//!         let Event::BytesRead(end) = event else { return Next::done() };
//!         let keep_alive = !t.input().data()[..end].windows(5).any(|w| w == b"close");
//!         t.input().consume(end);
//!         let _ = t.output().extend(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
//!         Next::of(Respond { keep_alive }).expect_flush()
//!         // Next::of(Closed) would not compile: `Headers` may not go there.
//!     }
//!
//!     fn on_respond(state: Respond, event: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<http::AfterRespond> {
//!         match event {
//!             Event::Flushed if state.keep_alive => Next::of(Headers).expect_delimiter(b"\r\n\r\n", 8192),
//!             Event::Flushed => Next::finish(Closed),
//!             _ => Next::done(),
//!         }
//!     }
//! }
//!
//! fn is_protocol<P: Protocol<Socket = TcpStream>>() {}
//! # fn main() {
//! is_protocol::<Http>();
//! // The state graph, for Graphviz (`dot -Tsvg`).
//! assert!(Http::GRAPH_DOT.contains(r#""Respond" -> "Closed";"#));
//! # }
//! ```
//!
//! The generated `Http::GRAPH_DOT` is the protocol's state graph as Graphviz
//! DOT text, also shown in its docs: states in declaration order, an arrow
//! from a point into the start state, a double outline around each `done`
//! state, one edge per transition declared in `to(..)`.
//!
//! Declare a protocol enum at module level, not inside a function: the
//! generated module refers to it, and to the types of its fields, through
//! `super::`.

pub use mio_core::*;
/// Generates a machine from an enum: composed machines (`#[machine]`), or
/// the states of a stream protocol with checked transitions
/// (`#[machine(protocol)]`). See the [crate documentation](crate) for
/// examples.
pub use mio_derive::machine;

/// The README's code blocks, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
