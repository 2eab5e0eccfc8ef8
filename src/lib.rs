//! MIO — Metal IO: a lightweight non-blocking IO library.
//!
//! An epoll event loop with timers and a cross-thread channel built in, zero
//! allocations at runtime, non-blocking TCP/UDP/Unix sockets, and a
//! state-machine layer. This crate is the facade: it re-exports `mio-core`,
//! and the [`machine`](macro@machine) attribute of `mio-derive`.
//!
//! # Three layers
//!
//! Each layer is built on the one before; use the highest one that fits.
//!
//! 1. **[`EventLoop`] + [`Handler`]** (mio 0.5's API): you register sockets
//!    under [`Token`]s and get readiness events, timeouts and channel
//!    messages in one handler. You own the connection table and every read
//!    and write.
//! 2. **Machines** ([`machine`](mod@machine)): one value per connection (or
//!    listener, or timer), living in the loop's slab; each event takes the
//!    value and returns a [`Response`](machine::Response): keep it (with a
//!    deadline), spawn a child, or end it. [`Accept`](machine::Accept)
//!    turns a listener into one machine per connection.
//! 3. **Stream protocols** ([`stream`]): [`Stream<P>`](stream::Stream) is a
//!    machine that reads and writes a socket through pool buffers and calls
//!    your [`Protocol`](stream::Protocol) only when what it expects (some
//!    bytes, a delimiter, a flush) has happened. With
//!    [`#[machine(protocol)]`](macro@machine) the protocol's states and
//!    transitions are checked at compile time.
//!
//! Each layer counts what it does into the loop's [`counters`](mod@counters)
//! (turns, events, timers, machines, bytes, connections in each protocol
//! state), read on the loop thread or as a snapshot from any other.
//!
//! ## Layer 1: an event loop and a handler
//!
//! A server that accepts one connection, echoes what it reads, and stops
//! when the client closes:
//!
//! ```
//! use std::io::{Read, Write};
//! use mio::tcp::{TcpListener, TcpStream};
//! use mio::{EventLoop, EventSet, Handler, PollOpt, Token};
//!
//! const LISTENER: Token = Token(0);
//! const CLIENT: Token = Token(1);
//!
//! struct Echo { listener: TcpListener, client: Option<TcpStream> }
//!
//! impl Handler for Echo {
//!     type Timeout = ();
//!     type Message = ();
//!
//!     fn ready(&mut self, el: &mut EventLoop<Self>, token: Token, _: EventSet) {
//!         if token == LISTENER {
//!             if let Ok((stream, _)) = self.listener.accept() {
//!                 el.register(&stream, CLIENT, EventSet::readable(), PollOpt::edge()).unwrap();
//!                 self.client = Some(stream);
//!             }
//!             return;
//!         }
//!         let Some(client) = self.client.as_mut() else { return };
//!         let mut buf = [0; 1024];
//!         loop {
//!             match client.read(&mut buf) {
//!                 Ok(0) => return el.shutdown(), // the client closed
//!                 Ok(n) => client.write_all(&buf[..n]).unwrap(),
//!                 Err(_) => return, // WouldBlock: wait for the next event
//!             }
//!         }
//!     }
//! }
//!
//! let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! let addr = listener.local_addr()?;
//! let client = std::thread::spawn(move || {
//!     let mut s = std::net::TcpStream::connect(addr).unwrap();
//!     s.write_all(b"hello").unwrap();
//!     let mut back = [0; 5];
//!     s.read_exact(&mut back).unwrap();
//!     back
//! });
//! let mut el = EventLoop::new()?;
//! el.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge())?;
//! el.run(&mut Echo { listener, client: None })?;
//! assert_eq!(&client.join().unwrap(), b"hello");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Layer 2: machines
//!
//! A machine that wakes up every 10 ms and stops the loop on its third
//! deadline; the loop keeps its token, its timer and its slot:
//!
//! ```
//! use std::time::Duration;
//! use mio::machine::{Created, Loop, LoopConfig, Machine, Response, Scope};
//! use mio::EventSet;
//!
//! struct Ticker { left: u32 }
//!
//! impl Machine for Ticker {
//!     type Context = Vec<u32>; // shared by all machines of the loop
//!     type Seed = ();
//!
//!     fn create(_: (), scope: &mut Scope<'_, Vec<u32>>) -> Created<Self> {
//!         Created::keep(Ticker { left: 3 }).deadline(scope.now() + Duration::from_millis(10))
//!     }
//!     fn ready(self, _: EventSet, _: &mut Scope<'_, Vec<u32>>) -> Response<Self, ()> {
//!         Response::unchanged(self) // no sockets: never called
//!     }
//!     fn timeout(self, scope: &mut Scope<'_, Vec<u32>>) -> Response<Self, ()> {
//!         scope.push(self.left); // the context, through Deref
//!         if self.left == 1 {
//!             scope.shutdown_loop();
//!             return Response::done();
//!         }
//!         let at = scope.now() + Duration::from_millis(10);
//!         Response::keep(Ticker { left: self.left - 1 }).deadline(at)
//!     }
//! }
//!
//! let mut lp = Loop::<Ticker>::new(&LoopConfig::new())?;
//! let mut instance = lp.instantiate(Vec::new());
//! instance.add_machine_with(|scope| Ticker::create((), scope)).unwrap();
//! instance.run()?;
//! assert_eq!(instance.context(), &[3, 2, 1]);
//! assert_eq!(instance.machine_count(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Layer 3: a stream protocol
//!
//! An echo server: [`Accept`](machine::Accept) spawns one
//! [`Stream<Echo>`](stream::Stream) per connection. The protocol never
//! reads or writes the socket: it says what it expects, and the stream
//! calls it back when that is buffered (`bytes_read`) or written
//! (`bytes_flushed`). Buffers come from the loop's pool and go back
//! whenever a connection is idle or ends, however it ends:
//!
//! ```
//! use std::io::{Read, Write};
//! use mio::machine::{Accept, Loop, LoopConfig, Scope};
//! use mio::stream::{Intent, Protocol, Stream, Transport};
//! use mio::tcp::{TcpListener, TcpStream};
//!
//! struct Echo;
//!
//! impl Protocol for Echo {
//!     type Context = ();
//!     type Socket = TcpStream;
//!
//!     fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::of(Echo).expect_bytes(1) // at least one byte
//!     }
//!     fn bytes_read(self, t: &mut Transport<'_, TcpStream>, _end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         let (input, output) = t.buffers();
//!         let n = output.push(input.data());
//!         input.consume(n);
//!         Intent::of(Echo).expect_flush() // call bytes_flushed once written
//!     }
//!     fn bytes_flushed(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::of(Echo).expect_bytes(1)
//!     }
//!     fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
//!         Intent::done() // no deadline is ever set here
//!     }
//!     // end_of_stream (the peer closed), limit_exceeded, wakeup and error
//!     // have defaults: close, close, nothing, nothing.
//! }
//!
//! let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! let addr = listener.local_addr()?;
//! let mut lp = Loop::<Accept<TcpListener, Stream<Echo>>>::new(&LoopConfig::new())?;
//! lp.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
//! let mut server = lp.instantiate(());
//!
//! let mut client = std::net::TcpStream::connect(addr)?;
//! client.set_nonblocking(true)?;
//! client.write_all(b"hello")?;
//! let mut back = Vec::new();
//! for _ in 0..1000 {
//!     server.run_once(Some(std::time::Duration::from_millis(10)))?;
//!     let mut buf = [0; 16];
//!     if let Ok(n) = client.read(&mut buf) {
//!         back.extend_from_slice(&buf[..n]);
//!     }
//!     if back.len() == 5 { break }
//! }
//! assert_eq!(back, b"hello");
//! drop(client);
//! for _ in 0..1000 {
//!     if server.machine_count() == 1 { break } // only the listener is left
//!     server.run_once(Some(std::time::Duration::from_millis(10)))?;
//! }
//! assert_eq!(server.buffers_free(), server.buffers_total());
//! # Ok::<(), std::io::Error>(())
//! ```
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
