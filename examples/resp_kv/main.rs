//! An in-memory key-value server speaking the Redis protocol (RESP2).
//!
//! ```text
//! cargo run --release --example resp_kv [ADDR] [--proto-max-bulk-len BYTES] [--drain-ms MS]
//! redis-cli -p 6380 set greeting hello ex 60
//! redis-cli -p 6380 ttl greeting
//! redis-cli -p 6380 -x set big < some.iso
//! redis-benchmark -p 6380 -t ping,set,get -P 16 -q
//! ```
//!
//! ADDR defaults to 127.0.0.1:6380. `--proto-max-bulk-len` is Redis' option
//! of that name: the longest value (any bulk argument) accepted, default
//! 512mb; a number of bytes, or with a unit as Redis reads it (`k`, `kb`,
//! `m`, `mb`, `g`, `gb`).
//!
//! Commands: PING, ECHO, SET (EX, PX, NX, XX, KEEPTTL), GET, DEL, EXISTS,
//! INCR, DECR, INCRBY, DECRBY, MGET, MSET, EXPIRE, PEXPIRE (NX, XX, GT, LT),
//! TTL, PTTL, DBSIZE, FLUSHDB, QUIT, plus the bits of COMMAND and CONFIG GET
//! that redis-cli and redis-benchmark ask for at start-up; APPEND, STRLEN,
//! PERSIST, TYPE, KEYS and SCAN (MATCH, COUNT, TYPE; glob patterns as
//! Redis'); MULTI, EXEC, DISCARD (bounded queues, EXECABORT as Redis); and
//! what client libraries send: SELECT 0, CLIENT ID/GETNAME/SETNAME/SETINFO,
//! HELLO 2 (RESP3 is refused with `-NOPROTO`), INFO (`server`, `keyspace`).
//! Clients checked: redis-cli, and redis-py with its RESP2 connection
//! (`protocol=2`; the default of redis-py before 8.0). Multibulk and
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
//! server exits when the last connection has closed, or `--drain-ms` after
//! the signal (default 5000; closing the rest); a second signal exits at
//! once. It prints how many keys it held and how many commands it answered.
//!
//! Bounds: values are bounded by memory and `--proto-max-bulk-len`, not by
//! the 64 KiB buffers. A request that fits in the input buffer is parsed in
//! place; a larger multibulk request is read into memory argument by
//! argument, a large value streaming into one allocation of its announced
//! length, which the database then keeps. A longer bulk than the maximum is
//! answered `-ERR Protocol error: invalid bulk length` and the connection
//! closed, as Redis does (an inline request, or a `*`/`$` line, must fit in
//! the buffer). A value above 4 KiB is sent by queueing the stored value
//! itself after its `$len` line, not a copy: a value read by a hundred slow
//! clients is in memory once. An MGET larger than the output buffer is
//! written in parts as the client reads them. Up to 2^20 keys with a TTL are
//! evicted on time by the timer wheel; past that, new TTLs expire lazily (on
//! access).

mod args;
mod client;
mod commands;
mod db;
mod frame;
mod glob;
mod info;
mod info_sections;
mod keyspace;
mod protocol;
mod spill;
mod transaction;

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

/// The socket the protocol runs on (tests drive it on `mio::testing::SimSocket`).
type Socket = mio::tcp::TcpStream;

const DEFAULT_ADDR: &str = "127.0.0.1:6380";
/// Connections at once (plus the listener, the expirer and the signal machine).
const MAX_CLIENTS: usize = 10_000;
/// The size of a request or reply buffer, and how many the loop has: a
/// connection holds two only while it has partial input or unsent output.
const BUFFER_SIZE: usize = 64 * 1024;
const BUFFERS: usize = 2_048;
/// Keys the expirer evicts per turn before letting connections run.
const EVICT_BUDGET: usize = 1_000;
/// The longest bulk argument by default: Redis' `proto-max-bulk-len`.
const MAX_BULK: usize = 512 * 1024 * 1024;
/// How long a drain may take (`--drain-ms`).
const DRAIN: Duration = Duration::from_millis(5_000);

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

/// The command line: `[ADDR] [--proto-max-bulk-len BYTES] [--drain-ms MS]`.
fn options() -> io::Result<(SocketAddr, usize, Duration)> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    let (mut addr, mut max_bulk, mut drain) = (None, MAX_BULK, DRAIN);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--proto-max-bulk-len" {
            let value = args.next().ok_or_else(|| invalid(format!("{arg} needs a value")))?;
            max_bulk = memory(&value).ok_or_else(|| invalid(format!("{arg}: not a size: {value}")))?;
        } else if arg == "--drain-ms" {
            let value = args.next().ok_or_else(|| invalid(format!("{arg} needs a value")))?;
            let ms = value.parse().map_err(|e| invalid(format!("{arg}: {value}: {e}")))?;
            drain = Duration::from_millis(ms);
        } else if addr.is_none() {
            addr = Some(arg.parse().map_err(|e| invalid(format!("{arg}: {e}")))?);
        } else {
            return Err(invalid(format!("unexpected argument {arg}")));
        }
    }
    Ok((addr.unwrap_or_else(|| DEFAULT_ADDR.parse().expect("default address")), max_bulk, drain))
}

/// A size as Redis' configuration reads it: bytes, or `k`/`m`/`g` (powers
/// of 1000) and `kb`/`mb`/`gb` (powers of 1024), any case.
fn memory(s: &str) -> Option<usize> {
    let s = s.to_ascii_lowercase();
    let units =
        [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1_000)];
    let (digits, unit) =
        units.iter().find_map(|&(suffix, unit)| Some((s.strip_suffix(suffix)?, unit))).unwrap_or((s.as_str(), 1));
    digits.parse::<usize>().ok()?.checked_mul(unit)
}

fn main() -> io::Result<()> {
    let (addr, max_bulk, drain) = options()?;
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    info_sections::listening_on(local.port());

    let mut config = LoopConfig::new();
    config.machines(MAX_CLIENTS + 3).buffers(BUFFER_SIZE, BUFFERS);
    let mut lp = Loop::<Server>::new(&config)?;
    lp.on_error(|_, token, e| eprintln!("resp_kv: {token:?}: {e}"));
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Net)).map_err(io::Error::other)?;
    let signals = [libc::SIGINT, libc::SIGTERM];
    lp.add_machine_with(|scope| SignalShutdown::draining(&signals, drain, scope).map(Server::Shutdown))
        .map_err(io::Error::other)?;
    info::watch(lp.counters_handle()); // INFO clients / stats
    let mut lp = lp.instantiate(Kv::new(Db::new(Instant::now()), max_bulk));
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

#[cfg(test)]
mod tests {
    use super::memory;

    #[test]
    fn sizes_read_as_redis_reads_them() {
        assert_eq!(memory("1000"), Some(1000));
        assert_eq!(memory("512mb"), Some(512 << 20));
        assert_eq!(memory("2K"), Some(2000));
        assert_eq!(memory("1gb"), Some(1 << 30));
        for bad in ["", "mb", "-1", "1.5mb", "1 mb", "1tb"] {
            assert_eq!(memory(bad), None, "{bad:?}");
        }
    }
}
