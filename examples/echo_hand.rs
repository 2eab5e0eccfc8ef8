//! The echo server of `echo.rs` with its composed machine written by hand
//! instead of by `#[machine]`: the baseline that shows generated dispatch
//! costs nothing (benches/echo.sh runs both).
//!
//! ```text
//! cargo run --release --example echo_hand [ADDR]     # default 127.0.0.1:7000
//! nc 127.0.0.1 7000
//! ```
//!
//! Each readable event costs one `read` and one `write` (a short read means
//! the socket is drained). Buffers come from the loop's pool and are held
//! only while a connection has bytes in flight, so idle connections cost a
//! slab slot. SIGINT/SIGTERM stop the loop; everything is closed on exit.

use std::net::SocketAddr;

use mio::machine::{Accept, Created, Loop, LoopConfig, Machine, Response, Scope, SpawnError};
use mio::stream::{Intent, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use mio::unix::Signals;
use mio::{EventSet, PollOpt};

/// The echo protocol: whatever arrives goes back.
struct Echo;

impl Protocol for Echo {
    type Context = ();
    type Socket = TcpStream;

    fn create(t: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let _ = t.socket().set_nodelay(true);
        Intent::of(Echo).expect_bytes(1)
    }

    fn bytes_read(self, t: &mut Transport<'_, TcpStream>, _end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        if input.is_empty() {
            Intent::of(Echo).expect_bytes(1)
        } else {
            // The peer does not read: wait until our output drains.
            Intent::of(Echo).expect_flush()
        }
    }

    fn bytes_flushed(self, t: &mut Transport<'_, TcpStream>, s: &mut Scope<'_, ()>) -> Intent<Self> {
        self.bytes_read(t, 0, s)
    }

    fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}

/// Stops the loop on SIGINT or SIGTERM.
struct Shutdown(Signals);

impl Machine for Shutdown {
    type Context = ();
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::error(mio::machine::MachineError::new(std::io::ErrorKind::Unsupported, "not spawned"))
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
enum Server {
    Echo(Accept<TcpListener, Stream<Echo>>),
    Shutdown(Shutdown),
}

/// What `#[machine]` generates, written by hand.
impl Machine for Server {
    type Context = ();
    type Seed = TcpStream;

    fn create(seed: TcpStream, scope: &mut Scope<'_, ()>) -> Created<Self> {
        Accept::create(seed, scope).map(Server::Echo)
    }
    fn ready(self, events: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, TcpStream> {
        match self {
            Server::Echo(m) => m.ready(events, scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => m.ready(events, scope).map(Server::Shutdown, |()| unreachable!()),
        }
    }
    fn spawned(self, scope: &mut Scope<'_, ()>) -> Response<Self, TcpStream> {
        match self {
            Server::Echo(m) => m.spawned(scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
    fn spawn_error(self, scope: &mut Scope<'_, ()>, e: SpawnError<TcpStream>) -> Response<Self, TcpStream> {
        match self {
            Server::Echo(m) => m.spawn_error(scope, e).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
    fn timeout(self, scope: &mut Scope<'_, ()>) -> Response<Self, TcpStream> {
        match self {
            Server::Echo(m) => m.timeout(scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
    fn wakeup(self, scope: &mut Scope<'_, ()>) -> Response<Self, TcpStream> {
        match self {
            Server::Echo(m) => m.wakeup(scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a.parse().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        None => "127.0.0.1:7000".parse().unwrap(),
    };
    let mut config = LoopConfig::new();
    config.machines(20_000).buffers(16 * 1024, 1024);
    let mut lp = Loop::<Server>::new(&config)?;
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo)).map_err(std::io::Error::other)?;
    let signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;
    lp.add_machine_with(|scope| match scope.register(&signals, EventSet::readable(), PollOpt::edge()) {
        Ok(()) => Created::ok(Server::Shutdown(Shutdown(signals))),
        Err(e) => Created::error(e.into()),
    })
    .map_err(std::io::Error::other)?;
    lp.run(())
}
