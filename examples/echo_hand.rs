//! The echo server of `echo.rs` with its composed machine written by hand
//! instead of by `#[machine]` (the same seed enum and `match` dispatch the
//! macro generates): the baseline that shows generated dispatch costs
//! nothing (benches/echo.sh runs both).
//!
//! ```text
//! cargo run --release --example echo_hand [ADDR]     # default 127.0.0.1:7000
//! nc 127.0.0.1 7000
//! ```

use std::net::SocketAddr;

use mio::machine::{Accept, Created, Loop, LoopConfig, Machine, Response, Scope, SignalShutdown, SpawnError};
use mio::stream::Stream;
use mio::tcp::{TcpListener, TcpStream};
use mio::EventSet;

/// The socket the protocol in `shared/tcp_echo.rs` runs on.
type Socket = mio::tcp::TcpStream;

#[path = "shared/tcp_echo.rs"]
mod tcp_echo;
use tcp_echo::Echo;

type Listener = Accept<TcpListener, Stream<Echo>>;

enum Server {
    Echo(Listener),
    Shutdown(SignalShutdown<()>),
}

/// One seed variant per machine variant, as `#[machine]` generates.
enum ServerSeed {
    Echo(TcpStream),
    Shutdown(()),
}

/// Runs `$call` on the variant and wraps the response back.
macro_rules! dispatch {
    ($self:expr, $m:ident => $call:expr) => {
        match $self {
            Server::Echo($m) => $call.map(Server::Echo, ServerSeed::Echo),
            Server::Shutdown($m) => $call.map(Server::Shutdown, ServerSeed::Shutdown),
        }
    };
}

impl Machine for Server {
    type Context = ();
    type Seed = ServerSeed;

    fn create(seed: ServerSeed, scope: &mut Scope<'_, ()>) -> Created<Self> {
        match seed {
            ServerSeed::Echo(s) => Listener::create(s, scope).map(Server::Echo),
            ServerSeed::Shutdown(s) => SignalShutdown::create(s, scope).map(Server::Shutdown),
        }
    }
    fn ready(self, events: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, ServerSeed> {
        dispatch!(self, m => m.ready(events, scope))
    }
    fn spawned(self, scope: &mut Scope<'_, ()>) -> Response<Self, ServerSeed> {
        dispatch!(self, m => m.spawned(scope))
    }
    fn spawn_error(self, scope: &mut Scope<'_, ()>, e: SpawnError<ServerSeed>) -> Response<Self, ServerSeed> {
        match (self, e.seed) {
            (Server::Echo(m), ServerSeed::Echo(seed)) => {
                m.spawn_error(scope, SpawnError { seed, kind: e.kind }).map(Server::Echo, ServerSeed::Echo)
            }
            (Server::Shutdown(m), ServerSeed::Shutdown(seed)) => {
                m.spawn_error(scope, SpawnError { seed, kind: e.kind }).map(Server::Shutdown, ServerSeed::Shutdown)
            }
            (other, _) => Response::ok(other),
        }
    }
    fn timeout(self, scope: &mut Scope<'_, ()>) -> Response<Self, ServerSeed> {
        dispatch!(self, m => m.timeout(scope))
    }
    fn wakeup(self, scope: &mut Scope<'_, ()>) -> Response<Self, ServerSeed> {
        dispatch!(self, m => m.wakeup(scope))
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
    let local = listener.local_addr()?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo)).map_err(std::io::Error::other)?;
    // Signals are caught before anyone can learn where we listen.
    lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope).map(Server::Shutdown))
        .map_err(std::io::Error::other)?;
    println!("listening on {local}");
    lp.run(())
}
