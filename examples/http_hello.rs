//! HTTP/1.1 keep-alive "Hello, world!" as a `#[machine(protocol)]`: four
//! states, each a small function, whose transitions are checked at compile
//! time. A listener and a signal watcher are composed with `#[machine]`.
//!
//! ```text
//! cargo run --release --example http_hello [ADDR]   # default 127.0.0.1:8080
//! curl -v http://127.0.0.1:8080/ http://127.0.0.1:8080/
//! ```
//!
//! Requests may be pipelined; a body (by `Content-Length`) is read and
//! dropped; a client that takes longer than [`REQUEST_DEADLINE`] to send its
//! request head is closed. `Connection: close` (or HTTP/1.0 without
//! `keep-alive`) closes after the response.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use mio::machine::{Accept, Created, Loop, LoopConfig, LoopInstance, Machine, MachineError, Response, Scope};
use mio::stream::{Event, Next, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use mio::unix::Signals;
use mio::{EventSet, PollOpt};

/// How long a client may take to send a request head.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// The longest request head accepted.
const MAX_HEAD: usize = 8 * 1024;
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
const RESPONSE_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world!";

/// One HTTP connection.
#[mio::machine(protocol)]
#[derive(Debug)]
pub enum Http {
    /// Waiting for a request head.
    #[state(start, to(Body, Respond))]
    Request,
    /// Reading and dropping a request body.
    #[state(to(Respond))]
    Body {
        /// Body bytes still to come.
        remaining: usize,
        /// Whether to keep the connection after the response.
        keep_alive: bool,
    },
    /// Writing the response.
    #[state(to(Request, Closed))]
    Respond {
        /// Whether to read another request after this response.
        keep_alive: bool,
    },
    /// The connection is over.
    #[state(done)]
    Closed,
}

use http::{Body, Closed, Request, Respond};

type T<'a> = Transport<'a, TcpStream>;

fn read_request(scope: &Scope<'_, ()>) -> Next<http::AfterRespond> {
    Next::of(Request).deadline(scope.now() + REQUEST_DEADLINE).expect_delimiter(b"\r\n\r\n", MAX_HEAD)
}

/// Queues the response and waits for it to be written.
fn respond<A: mio::stream::GoesTo<Respond>>(t: &mut T<'_>, keep_alive: bool) -> Next<A> {
    match t.output().extend(if keep_alive { RESPONSE } else { RESPONSE_CLOSE }) {
        Ok(()) => Next::of(Respond { keep_alive }).expect_flush(),
        Err(_) => Next::error(MachineError::new(io::ErrorKind::OutOfMemory, "output buffer full")),
    }
}

/// `(keep_alive, content_length)` of a request head.
fn parse_head(head: &[u8]) -> (bool, usize) {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let http10 = lines.next().is_some_and(|l| l.ends_with("HTTP/1.0"));
    let (mut keep_alive, mut length) = (!http10, 0);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            keep_alive =
                if http10 { value.eq_ignore_ascii_case("keep-alive") } else { !value.eq_ignore_ascii_case("close") };
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().unwrap_or(0);
        }
    }
    (keep_alive, length)
}

impl http::Handlers for Http {
    type Context = ();
    type Socket = TcpStream;

    fn create(t: &mut T<'_>, scope: &mut Scope<'_, ()>) -> Next<Request> {
        let _ = t.socket().set_nodelay(true);
        Next::of(Request).deadline(scope.now() + REQUEST_DEADLINE).expect_delimiter(b"\r\n\r\n", MAX_HEAD)
    }

    fn on_request(_: Request, event: Event, t: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<http::AfterRequest> {
        let Event::BytesRead(end) = event else { return Next::done() };
        let (keep_alive, length) = parse_head(&t.input().data()[..end]);
        t.input().consume(end);
        if length > 0 {
            let chunk = length.min(t.input().capacity());
            Next::of(Body { remaining: length, keep_alive }).expect_bytes(chunk)
        } else {
            respond(t, keep_alive)
        }
    }

    fn on_body(state: Body, event: Event, t: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<http::AfterBody> {
        let Event::BytesRead(end) = event else { return Next::done() };
        t.input().consume(end);
        let remaining = state.remaining - end;
        if remaining > 0 {
            let chunk = remaining.min(t.input().capacity());
            Next::of(Body { remaining, ..state }).expect_bytes(chunk)
        } else {
            respond(t, state.keep_alive)
        }
    }

    fn on_respond(state: Respond, event: Event, _: &mut T<'_>, scope: &mut Scope<'_, ()>) -> Next<http::AfterRespond> {
        match event {
            Event::Flushed if state.keep_alive => read_request(scope),
            Event::Flushed => Next::finish(Closed),
            Event::Wakeup => Next::of(state).unchanged(),
            _ => Next::done(),
        }
    }
}

/// Stops the loop on SIGINT or SIGTERM.
#[derive(Debug)]
pub struct Shutdown(Signals);

impl Machine for Shutdown {
    type Context = ();
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::error(MachineError::new(io::ErrorKind::Unsupported, "not spawned"))
    }

    fn ready(self, _: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, ()> {
        if let Ok(Some(_)) = self.0.receive() {
            scope.shutdown_loop();
        }
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

/// The server: the listener with its connections, and the signal watcher.
#[mio::machine]
#[derive(Debug)]
pub enum Server {
    /// The listener and its HTTP connections.
    Http(Accept<TcpListener, Stream<Http>>),
    /// Stops the loop on a signal.
    Shutdown(Shutdown),
}

/// A loop serving HTTP on `listener` (tests drive it turn by turn).
///
/// # Errors
///
/// Creating the loop or registering the listener failed.
pub fn http_loop(listener: TcpListener) -> io::Result<LoopInstance<Server>> {
    let mut config = LoopConfig::new();
    config.machines(20_000).buffers(16 * 1024, 1024);
    let mut lp = Loop::<Server>::new(&config)?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Http)).map_err(io::Error::other)?;
    Ok(lp.instantiate(()))
}

#[allow(dead_code)] // Tests include this file for `http_loop` only.
fn main() -> io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
        None => "127.0.0.1:8080".parse().unwrap(),
    };
    let listener = TcpListener::bind(addr)?;
    println!("listening on http://{}", listener.local_addr()?);
    let mut lp = http_loop(listener)?;
    let signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;
    lp.add_machine_with(|scope| match scope.register(&signals, EventSet::readable(), PollOpt::edge()) {
        Ok(()) => Created::ok(Server::Shutdown(Shutdown(signals))),
        Err(e) => Created::error(e.into()),
    })
    .map_err(io::Error::other)?;
    lp.run()
}
