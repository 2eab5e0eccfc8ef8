//! An in-memory key-value server speaking the Redis protocol (RESP2).
//!
//! ```text
//! cargo run --release --example resp_kv [ADDR [DRAIN_MS]]   # default 127.0.0.1:6380, 5000
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
//! One loop, three kinds of machine composed with `#[machine]`: the listener
//! and its connections ([`Accept`] of [`Stream<Resp>`](protocol::Resp)), the
//! expirer (evicts keys whose TTL passed, at the next deadline of the timer
//! wheel of expiring keys), and [`SignalShutdown`] (SIGINT/SIGTERM drain the
//! loop).
//!
//! Graceful drain: on SIGINT/SIGTERM the listener closes at once, and so
//! do idle connections; a connection with requests in its input answers
//! every complete one (the whole buffered pipeline), then closes. The
//! server exits when the last connection has closed, or DRAIN_MS after the
//! signal (closing the rest); a second signal exits at once. It prints how
//! many keys it held and how many commands it answered.
//!
//! Bounds: a request must fit in one 64 KiB buffer (so must a value); a
//! larger one is answered with an error and the connection closed. Replies
//! go through a 64 KiB output buffer: an MGET larger than that is written in
//! parts as the client reads them. Up to 2^20 keys with a TTL are evicted on
//! time by the timer wheel; past that, new TTLs expire lazily (on access).

mod commands;
mod db;
mod frame;
mod protocol;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::machine::{Accept, Created, Loop, LoopConfig, Machine, Response, Scope, SignalShutdown};
use mio::stream::Stream;
use mio::tcp::TcpListener;
use mio::EventSet;

use db::Db;
use protocol::{Kv, Resp};

const DEFAULT_ADDR: &str = "127.0.0.1:6380";
/// How long a drain may take, in milliseconds.
const DEFAULT_DRAIN_MS: &str = "5000";
/// Connections at once (plus the listener, the expirer and the signal machine).
const MAX_CLIENTS: usize = 10_000;
/// The size of a request or reply buffer, and how many the loop has: a
/// connection holds two only while it has partial input or unsent output.
const BUFFER_SIZE: usize = 64 * 1024;
const BUFFERS: usize = 2_048;
/// Keys the expirer evicts per turn before letting connections run.
const EVICT_BUDGET: usize = 1_000;

/// Every machine of the loop (`#[machine]` writes the dispatch and the
/// `ServerSeed` enum).
#[mio::machine]
enum Server {
    Net(Accept<TcpListener, Stream<Resp>>),
    Expirer(Expirer),
    Shutdown(SignalShutdown<Kv>),
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

fn main() -> io::Result<()> {
    let arg = std::env::args().nth(1);
    let arg = arg.as_deref().unwrap_or(DEFAULT_ADDR);
    let addr: SocketAddr =
        arg.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{arg}: {e}")))?;
    let drain_ms = std::env::args().nth(2);
    let drain_ms = drain_ms.as_deref().unwrap_or(DEFAULT_DRAIN_MS);
    let drain: u64 =
        drain_ms.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{drain_ms}: {e}")))?;
    let drain = Duration::from_millis(drain);
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;

    let mut config = LoopConfig::new();
    config.machines(MAX_CLIENTS + 3).buffers(BUFFER_SIZE, BUFFERS);
    let mut lp = Loop::<Server>::new(&config)?;
    lp.on_error(|_, token, e| eprintln!("resp_kv: {token:?}: {e}"));
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Net)).map_err(io::Error::other)?;
    let signals = [libc::SIGINT, libc::SIGTERM];
    lp.add_machine_with(|scope| SignalShutdown::draining(&signals, drain, scope).map(Server::Shutdown))
        .map_err(io::Error::other)?;
    let mut lp = lp.instantiate(Kv::new(Db::new(Instant::now())));
    lp.add_machine_with(|scope| {
        let notifier = scope.notifier();
        scope.db.set_expirer(notifier);
        Created::ok(Server::Expirer(Expirer)).daemon() // a drain does not wait for it
    })
    .map_err(io::Error::other)?;

    println!("listening on {local}");
    lp.run()?;
    println!("resp_kv: stopped with {} keys after {} commands", lp.context().db.len(), lp.context().answered);
    Ok(())
}
