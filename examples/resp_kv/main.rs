//! An in-memory key-value server speaking the Redis protocol (RESP2).
//!
//! ```text
//! cargo run --release --example resp_kv [ADDR]     # default 127.0.0.1:6380
//! redis-cli -p 6380 set greeting hello ex 60
//! redis-cli -p 6380 ttl greeting
//! redis-benchmark -p 6380 -t ping,set,get -P 16 -q
//! ```
//!
//! Commands: PING, ECHO, SET (EX, PX, NX, XX, KEEPTTL), GET, DEL, EXISTS,
//! INCR, DECR, INCRBY, DECRBY, MGET, MSET, EXPIRE, PEXPIRE (NX, XX, GT, LT),
//! TTL, PTTL, DBSIZE, FLUSHDB, QUIT, plus the bits of COMMAND and CONFIG GET
//! that redis-cli and redis-benchmark ask for at start-up. Multibulk and
//! inline requests, pipelined. Errors read as Redis' do; a malformed request
//! is answered with `-ERR Protocol error: ...` and the connection closed.
//!
//! One loop, three kinds of machine: the listener and its connections
//! ([`Accept`] of [`Stream<Resp>`](protocol::Resp)), the expirer (evicts keys
//! whose TTL passed, woken by the timer wheel of expiring keys), and the
//! signal watcher (SIGINT/SIGTERM stop the loop).
//!
//! Bounds: a request must fit in one 64 KiB buffer (so must a value); a
//! larger one is answered with an error and the connection closed. Replies
//! go through a 64 KiB output buffer: an MGET larger than that is written in
//! parts as the client reads them.

mod commands;
mod db;
mod frame;
mod protocol;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use mio::machine::{Accept, Created, Loop, LoopConfig, Machine, Response, Scope, SpawnError};
use mio::stream::Stream;
use mio::tcp::{TcpListener, TcpStream};
use mio::unix::Signals;
use mio::{EventSet, PollOpt};

use db::Db;
use protocol::{Kv, Resp};

const DEFAULT_ADDR: &str = "127.0.0.1:6380";
/// Connections at once (plus the listener, expirer and signal watcher).
const MAX_CLIENTS: usize = 10_000;
/// The size of a request or reply buffer, and how many the loop has: a
/// connection holds two only while it has partial input or unsent output.
const BUFFER_SIZE: usize = 64 * 1024;
const BUFFERS: usize = 2_048;
/// Keys the expirer evicts per turn before letting connections run.
const EVICT_BUDGET: usize = 1_000;

/// Every machine of the loop.
#[derive(Debug)]
enum Server {
    Net(Accept<TcpListener, Stream<Resp>>),
    Expirer(Expirer),
    Signals(SignalWatch),
}

/// Forwards a callback to the variant's machine and wraps its response.
macro_rules! forward {
    ($server:expr, $m:ident => $call:expr) => {
        match $server {
            Server::Net($m) => $call.map(Server::Net, |seed| seed),
            Server::Expirer($m) => $call.map(Server::Expirer, |never| match never {}),
            Server::Signals($m) => $call.map(Server::Signals, |never| match never {}),
        }
    };
}

impl Machine for Server {
    type Context = Kv;
    type Seed = TcpStream;

    fn create(seed: TcpStream, scope: &mut Scope<'_, Kv>) -> Created<Server> {
        Accept::create(seed, scope).map(Server::Net)
    }

    fn ready(self, events: EventSet, scope: &mut Scope<'_, Kv>) -> Response<Server, TcpStream> {
        forward!(self, m => m.ready(events, scope))
    }

    fn spawned(self, scope: &mut Scope<'_, Kv>) -> Response<Server, TcpStream> {
        forward!(self, m => m.spawned(scope))
    }

    fn spawn_error(self, scope: &mut Scope<'_, Kv>, error: SpawnError<TcpStream>) -> Response<Server, TcpStream> {
        match self {
            Server::Net(m) => m.spawn_error(scope, error).map(Server::Net, |seed| seed),
            other => Response::ok(other), // only `Net` spawns
        }
    }

    fn timeout(self, scope: &mut Scope<'_, Kv>) -> Response<Server, TcpStream> {
        forward!(self, m => m.timeout(scope))
    }

    fn wakeup(self, scope: &mut Scope<'_, Kv>) -> Response<Server, TcpStream> {
        forward!(self, m => m.wakeup(scope))
    }
}

/// Evicts expired keys at the expiry wheel's next deadline; the database
/// wakes it when a key gets an earlier expiry than the one it waits for.
#[derive(Debug)]
struct Expirer;

impl Expirer {
    fn evict(self, scope: &mut Scope<'_, Kv>) -> Response<Expirer, Infallible> {
        let now = scope.db.tick(scope.now());
        match scope.db.evict_due(now, EVICT_BUDGET) {
            (_, Some(next)) => Response::keep(self).deadline(scope.db.instant(next)),
            (_, None) => Response::ok(self),
        }
    }
}

impl Machine for Expirer {
    type Context = Kv;
    type Seed = Infallible;

    fn create(never: Infallible, _: &mut Scope<'_, Kv>) -> Created<Expirer> {
        match never {}
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Kv>) -> Response<Expirer, Infallible> {
        Response::ok(self) // registers nothing
    }

    fn timeout(self, scope: &mut Scope<'_, Kv>) -> Response<Expirer, Infallible> {
        self.evict(scope)
    }

    fn wakeup(self, scope: &mut Scope<'_, Kv>) -> Response<Expirer, Infallible> {
        self.evict(scope)
    }
}

/// Stops the loop on SIGINT or SIGTERM.
#[derive(Debug)]
struct SignalWatch(Signals);

impl SignalWatch {
    fn start<C>(signals: Signals, scope: &mut Scope<'_, C>) -> Created<Server> {
        match scope.register(&signals, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(Server::Signals(SignalWatch(signals))),
            Err(e) => Created::error(e.into()),
        }
    }
}

impl Machine for SignalWatch {
    type Context = Kv;
    type Seed = Infallible;

    fn create(never: Infallible, _: &mut Scope<'_, Kv>) -> Created<SignalWatch> {
        match never {}
    }

    fn ready(self, _: EventSet, scope: &mut Scope<'_, Kv>) -> Response<SignalWatch, Infallible> {
        loop {
            match self.0.receive() {
                Ok(Some(signal)) => {
                    eprintln!("resp_kv: got signal {signal}, shutting down");
                    scope.shutdown_loop();
                }
                Ok(None) => return Response::ok(self),
                Err(e) => return Response::error(e.into()),
            }
        }
    }

    fn timeout(self, _: &mut Scope<'_, Kv>) -> Response<SignalWatch, Infallible> {
        Response::ok(self)
    }
}

fn main() -> io::Result<()> {
    let arg = std::env::args().nth(1);
    let arg = arg.as_deref().unwrap_or(DEFAULT_ADDR);
    let addr: SocketAddr =
        arg.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{arg}: {e}")))?;
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;

    let mut config = LoopConfig::new();
    config.machines(MAX_CLIENTS + 3).buffers(BUFFER_SIZE, BUFFERS);
    let mut lp = Loop::<Server>::new(&config)?;
    lp.on_error(|_, token, e| eprintln!("resp_kv: {token:?}: {e}"));
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Net)).map_err(io::Error::other)?;
    lp.add_machine_with(|scope| SignalWatch::start(signals, scope)).map_err(io::Error::other)?;
    let mut lp = lp.instantiate(Kv::new(Db::new(Instant::now())));
    lp.add_machine_with(|scope| {
        let notifier = scope.notifier();
        scope.db.set_expirer(notifier);
        Created::ok(Server::Expirer(Expirer))
    })
    .map_err(io::Error::other)?;

    println!("listening on {local}");
    lp.run()?;
    println!("resp_kv: stopped with {} keys", lp.context().db.len());
    Ok(())
}
