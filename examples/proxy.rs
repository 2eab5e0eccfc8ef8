//! A TCP proxy on the machine layer: one upstream connection per client,
//! bytes both ways through `mio::relay::Relay`.
//!
//! ```text
//! cargo run --release --example proxy LISTEN UPSTREAM [--connect-ms MS] [--idle-ms MS]
//! redis-server --port 6379 &
//! cargo run --release --example proxy 127.0.0.1:7001 127.0.0.1:6379 &
//! redis-cli -p 7001 set greeting hello     # answered by redis-server, through the proxy
//! redis-benchmark -p 7001 -t set,get -c 50 -P 16 -q
//! ```
//!
//! One machine per client (`Proxy`, spawned by an `Accept`) owns both
//! sockets: the client as source 0 and the upstream as source 1
//! (`Scope::source` says which one an event is for). It connects without
//! blocking and learns the outcome from the upstream's first writable
//! event and `SO_ERROR`; a refused or failed connect closes the client, and
//! so does a connect that has not finished by the connect deadline
//! (`--connect-ms`, default 1000). Then the `Relay` moves bytes both ways
//! with one pool buffer per direction at most (a side that cannot write
//! stops reading the other: memory per connection is bounded by two
//! buffers), passes an end of stream on as `shutdown(Write)` once the
//! bytes before it are written, and ends when both directions have. A
//! connection idle for `--idle-ms` (default 300000) is closed. SIGINT or
//! SIGTERM stops the loop; everything is closed on exit.
//!
//! LISTEN may have port 0; the address bound is printed as
//! `listening on ADDR`. UPSTREAM is resolved once, at start.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use mio::machine::{Accept, Created, Loop, LoopConfig, Machine, Response, Scope, SignalShutdown};
use mio::relay::{Relay, Step};
use mio::tcp::{TcpListener, TcpStream};
use mio::{EventSet, PollOpt};

/// What every connection needs: the loop's context.
#[derive(Debug)]
struct Settings {
    upstream: SocketAddr,
    connect_timeout: Duration,
    idle_timeout: Duration,
}

/// One client and its upstream.
#[derive(Debug)]
enum Proxy {
    /// The upstream connect is in progress (the upstream is declared
    /// first, so it closes first when the machine is dropped).
    Connecting { upstream: TcpStream, client: TcpStream },
    /// Both connected: bytes flow.
    Relaying(Relay<TcpStream, TcpStream>),
}

impl Machine for Proxy {
    type Context = Settings;
    type Seed = TcpStream;

    fn create(client: TcpStream, scope: &mut Scope<'_, Settings>) -> Created<Self> {
        let upstream = match TcpStream::connect(scope.upstream) {
            Ok(upstream) => upstream,
            Err(e) => return Created::error(e.into()),
        };
        // Requests and replies are small: send them at once.
        let _ = (client.set_nodelay(true), upstream.set_nodelay(true));
        let registered = scope
            .register_source(&client, Relay::<TcpStream, TcpStream>::A, EventSet::readable(), PollOpt::edge())
            .and_then(|()| {
                scope.register_source(
                    &upstream,
                    Relay::<TcpStream, TcpStream>::B,
                    EventSet::writable(),
                    PollOpt::edge(),
                )
            });
        if let Err(e) = registered {
            return Created::error(e.into());
        }
        let deadline = scope.now() + scope.connect_timeout;
        Created::keep(Proxy::Connecting { upstream, client }).deadline(deadline)
    }

    fn ready(self, events: EventSet, scope: &mut Scope<'_, Settings>) -> Response<Self, TcpStream> {
        match self {
            Proxy::Relaying(relay) => relayed(relay.ready(events, scope), scope),
            Proxy::Connecting { upstream, client } => {
                // Client bytes wait in its socket: the relay reads them
                // once it starts.
                if scope.source() != Relay::<TcpStream, TcpStream>::B {
                    return Response::unchanged(Proxy::Connecting { upstream, client });
                }
                match upstream.take_error() {
                    // Writable without an error: connected.
                    Ok(None) if events.is_writable() => relayed(Relay::start(client, upstream, scope), scope),
                    Ok(None) => Response::unchanged(Proxy::Connecting { upstream, client }),
                    // Refused, unreachable, reset: the client is closed.
                    Ok(Some(_)) | Err(_) => Response::done(),
                }
            }
        }
    }

    fn timeout(self, scope: &mut Scope<'_, Settings>) -> Response<Self, TcpStream> {
        // The connect or the idle deadline passed.
        if let Proxy::Relaying(relay) = self {
            relay.close(scope);
        }
        Response::done()
    }
}

/// Keeps a relay that goes on, with its idle deadline pushed back.
fn relayed(step: Step<TcpStream, TcpStream>, scope: &mut Scope<'_, Settings>) -> Response<Proxy, TcpStream> {
    match step {
        Step::Open(relay) => Response::keep(Proxy::Relaying(relay)).deadline(scope.now() + scope.idle_timeout),
        Step::Done | Step::Failed(_) => Response::done(),
    }
}

#[mio::machine]
enum Server {
    Proxy(Accept<TcpListener, Proxy>),
    Shutdown(SignalShutdown<Settings>),
}

fn main() -> io::Result<()> {
    let (listen, settings) = parse_args()?;
    let mut config = LoopConfig::new();
    // A connection holds a buffer per direction only while bytes are in
    // flight; 4,096 of 16 KiB are 64 MiB of address space, touched as used.
    config.machines(20_000).buffers(16 * 1024, 4096);
    let mut lp = Loop::<Server>::new(&config)?;
    let listener = TcpListener::bind(listen)?;
    let local = listener.local_addr()?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Proxy))?;
    lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope).map(Server::Shutdown))?;
    println!("listening on {local}");
    lp.run(settings)
}

/// `LISTEN UPSTREAM [--connect-ms MS] [--idle-ms MS]`.
fn parse_args() -> io::Result<(SocketAddr, Settings)> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    let usage = "usage: proxy LISTEN UPSTREAM [--connect-ms MS] [--idle-ms MS]";
    let mut positional = Vec::new();
    let (mut connect_ms, mut idle_ms) = (1000, 300_000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let target = match arg.as_str() {
            "--connect-ms" => &mut connect_ms,
            "--idle-ms" => &mut idle_ms,
            a if a.starts_with("--") => return Err(invalid(format!("unknown option {a}; {usage}"))),
            _ => {
                positional.push(arg);
                continue;
            }
        };
        let value = args.next().unwrap_or_default();
        *target = value.parse().map_err(|_| invalid(format!("{arg} wants milliseconds, not {value:?}")))?;
    }
    let [listen, upstream] = &positional[..] else { return Err(invalid(usage.into())) };
    let resolve =
        |addr: &str| addr.to_socket_addrs()?.next().ok_or_else(|| invalid(format!("{addr} resolves to no address")));
    let settings = Settings {
        upstream: resolve(upstream)?,
        connect_timeout: Duration::from_millis(connect_ms),
        idle_timeout: Duration::from_millis(idle_ms),
    };
    Ok((resolve(listen)?, settings))
}
