//! HTTP/1.1 "Hello, world!" as a `#[machine(protocol)]`: five states, each a
//! small function, whose transitions are checked at compile time. The
//! listener and a signal watcher are composed with `#[machine]`.
//!
//! ```text
//! cargo run --release --example http_hello [ADDR [DEADLINE_MS [DRAIN_MS]]] [--threads N] [--pin]   # 127.0.0.1:8080, 10000, 5000, 1
//! curl -v http://127.0.0.1:8080/ http://127.0.0.1:8080/again        # one connection, reused
//! curl -v --data-binary @Cargo.toml http://127.0.0.1:8080/          # a body, read and dropped
//! printf 'BAD\r\n\r\n' | nc 127.0.0.1 8080                          # 400, then close
//! curl http://127.0.0.1:8080/stats                                  # this loop's counters
//! cargo run --example http_hello -- --dot | dot -Tsvg > http.svg    # the states, drawn
//! ```
//!
//! - Keep-alive: HTTP/1.1 keeps the connection unless `Connection: close`;
//!   HTTP/1.0 closes it unless `Connection: keep-alive` (echoed back).
//! - Pipelining: requests already buffered are answered in order, their
//!   responses queued into one output buffer and written together.
//! - Bodies: by `Content-Length` only, read and dropped
//!   (`Expect: 100-continue` gets its interim response).
//! - 400 (then close): a request line that is not `METHOD SP target SP
//!   HTTP/1.x`, a malformed header line, a bad or duplicate `Content-Length`.
//! - 501 (then close) on `Transfer-Encoding`: this server does not implement
//!   chunked or any other transfer coding, and RFC 9112 §6.1 says to answer
//!   an unimplemented coding with 501 (400 would claim the request is
//!   malformed). The body's end is then unknown, so the connection closes.
//! - 431 (then close): a request head longer than `MAX_HEAD` (8 KiB, in `shared/http_server.rs`).
//! - `/stats` (a request without a body): the loop's counters as plain
//!   text, one `name: value` line each (`mio::counters::Snapshot`), with
//!   how many connections are in each state (`state.Http.Request: 3`).
//! - Deadline: a client has DEADLINE_MS to send each request head (idle
//!   keep-alive time included) and between body chunks, else it is closed.
//! - `--threads N`: N loops on N threads (`mio::serve::LoopGroup`), each
//!   with its own `SO_REUSEPORT` listener on ADDR and its own context; one
//!   SIGINT/SIGTERM drains them all. `--pin` pins loop i to the i-th CPU.
//! - Graceful drain: SIGINT/SIGTERM closes the listener at once and idle
//!   keep-alive connections with it; a request in progress is answered
//!   with `Connection: close`, responses already queued are written, then
//!   each connection closes. The server exits when the last one has, or
//!   DRAIN_MS after the signal (closing the rest); a second signal exits at
//!   once. It prints how many responses it queued.
//!
//! Every close after a response is a lingering close (as nginx does): write
//! side shut, input drained until the client's EOF or the deadline, so a
//! client's unread request bytes do not turn our FIN into a reset that could
//! destroy the response.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use mio::machine::{Accept, Loop, LoopConfig, SignalShutdown};
use mio::serve::{LoopGroup, Pinning};
use mio::stream::Stream;
use mio::tcp::{TcpListener, TcpStream};

#[path = "shared/args.rs"]
mod args;
use args::Args;

/// The socket the protocol in `shared/http_server.rs` runs on.
type Socket = TcpStream;

#[path = "shared/http_server.rs"]
mod http_server;
use http_server::{Http, Server};

/// The server: the listener with its connections, and the signal watcher.
#[mio::machine]
enum Listener {
    Http(Accept<TcpListener, Stream<Http>>),
    Shutdown(SignalShutdown<Server>),
}

fn main() -> io::Result<()> {
    let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
    if std::env::args().nth(1).as_deref() == Some("--dot") {
        // The state graph, for scripts/render-graphs.sh (docs/http_hello.svg).
        println!("{}", Http::GRAPH_DOT);
        return Ok(());
    }
    let args = Args::parse()?;
    let addr: SocketAddr = args.positional_or(0, "127.0.0.1:8080").parse().map_err(|e| invalid(format!("{e}")))?;
    let deadline_ms: u64 = args.positional_or(1, "10000").parse().map_err(|e| invalid(format!("{e}")))?;
    let deadline = Duration::from_millis(deadline_ms);
    let drain_ms: u64 = args.positional_or(2, "5000").parse().map_err(|e| invalid(format!("{e}")))?;
    let drain = Duration::from_millis(drain_ms);
    let mut config = LoopConfig::new();
    config.machines(20_000).buffers(16 * 1024, 1024);
    if args.threads > 1 || args.pin {
        // One loop per thread, each with its own listener and context.
        let loops = LoopGroup::new(addr)
            .threads(args.threads)
            .pinning(if args.pin { Pinning::Spread } else { Pinning::None })
            .config(config)
            .shutdown_signals(&[libc::SIGINT, libc::SIGTERM])
            .drain_on_signal(drain)
            .spawn(
                move |_index| Server::new(deadline),
                |lp: &mut Loop<Listener>, listener, _index| {
                    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Listener::Http))?;
                    Ok(())
                },
            )?;
        println!("listening on {}", loops.local_addr());
        return Ok(loops.wait()?);
    }
    let mut lp = Loop::<Listener>::new(&config)?;
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Listener::Http)).map_err(io::Error::other)?;
    let signals = [libc::SIGINT, libc::SIGTERM];
    lp.add_machine_with(|scope| SignalShutdown::draining(&signals, drain, scope).map(Listener::Shutdown))
        .map_err(io::Error::other)?;
    println!("listening on {local}"); // Set up: the signal watcher too.
    let mut lp = lp.instantiate(Server::new(deadline));
    lp.run()?;
    println!("http_hello: stopped after {} responses", lp.context().responses);
    Ok(())
}
