//! A line-based TCP chat server on the machine layer: each line a client
//! sends goes to every other client.
//!
//! ```text
//! cargo run --release --example chat [ADDR] [--idle-secs N] [--announce-secs N]
//!     # default 127.0.0.1:7001, idle clients dropped after 300 s, no announcements
//! nc 127.0.0.1 7001      # in two terminals, then type; `/nick NAME`, `/quit`
//! ```
//!
//! The same server as `chat_handler` (layer 1), built from machines that
//! `#[machine]` composes: an `Accept` spawns one `Stream<Client>` per
//! connection, an `Announcer` posts the time on a deadline, and a
//! `SignalShutdown` drains the loop on SIGINT/SIGTERM (each client is told
//! and closed). A line goes to the others through a `Broadcast<Line>` in
//! the context: stored once in a ring, each client woken once (local
//! wake-ups, no channel), and each copies it into its connection's output.
//!
//! Bounds: a line is at most 1 KiB (longer: the client is disconnected);
//! a client has at most one 64 KiB buffer of output the kernel has not
//! taken. A client whose output is full waits for a flush; one that falls
//! more than the ring's 256 lines behind is a slow reader and is dropped,
//! so one stalled client never makes the server buffer without limit.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mio::machine::{Accept, Broadcast, Created, LoopConfig, Machine, Response, Scope, SignalShutdown};
use mio::stream::Stream;
use mio::tcp::{TcpListener, TcpStream};
use mio::EventSet;

/// The socket the protocol in `shared/chat_room.rs` runs on.
type Socket = TcpStream;

#[path = "shared/chat_room.rs"]
mod chat_room;
use chat_room::{Chat, Client, Line};

const MAX_CLIENTS: usize = 1024;
const RING: usize = 256;

type Ctx<'a, 's> = &'a mut Scope<'s, Chat>;

/// Posts `server time ...` to everyone every `every`.
struct Announcer {
    every: Duration,
}

impl Machine for Announcer {
    type Context = Chat;
    type Seed = Duration;

    fn create(every: Duration, s: Ctx) -> Created<Announcer> {
        Created::keep(Announcer { every }).deadline(s.now() + every)
    }

    fn ready(self, _: EventSet, _: Ctx) -> Response<Announcer, Duration> {
        Response::unchanged(self)
    }

    fn timeout(self, s: Ctx) -> Response<Announcer, Duration> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
        let (h, m, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
        s.publish(Line::new(format_args!("* server time {h:02}:{m:02}:{sec:02} UTC\n")));
        let at = s.now() + self.every;
        Response::keep(self).deadline(at)
    }

    fn drain(self, _: Ctx) -> Response<Announcer, Duration> {
        Response::done()
    }
}

#[mio::machine]
enum Server {
    Clients(Accept<TcpListener, Stream<Client>>),
    Announcer(Announcer),
    Signals(SignalShutdown<Chat>),
}

fn parse_args() -> io::Result<(SocketAddr, Duration, Option<Duration>)> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    let secs = |flag: &str, value: Option<String>| -> io::Result<Duration> {
        let value = value.ok_or_else(|| bad(format!("{flag} needs a value")))?;
        let secs = value.parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok());
        secs.ok_or_else(|| bad(format!("{flag} {value}: not a number of seconds")))
    };
    let (mut addr, mut idle, mut announce) = (SocketAddr::from(([127, 0, 0, 1], 7001)), Duration::from_secs(300), None);
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--idle-secs" => idle = secs(&arg, argv.next())?,
            "--announce-secs" => announce = Some(secs(&arg, argv.next())?).filter(|d| !d.is_zero()),
            _ => addr = arg.parse().map_err(|e| bad(format!("{arg}: {e}")))?,
        }
    }
    Ok((addr, idle, announce))
}

fn main() -> io::Result<()> {
    let (addr, idle, announce) = parse_args()?;
    let mut config = LoopConfig::new();
    config.machines(MAX_CLIENTS + 3).buffers(64 * 1024, 2 * MAX_CLIENTS);
    let lines = Broadcast::new(config.machine_capacity(), RING);
    let chat = Chat::new(lines, idle);
    let mut lp = mio::machine::Loop::<Server>::new(&config)?.instantiate(chat);
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    lp.add_machine_with(|s| Accept::new(listener, s).map(Server::Clients))?;
    let signals = [libc::SIGINT, libc::SIGTERM];
    lp.add_machine_with(|s| SignalShutdown::draining(&signals, Duration::from_secs(1), s).map(Server::Signals))?;
    if let Some(every) = announce {
        lp.add_machine_with(|s| Announcer::create(every, s).map(Server::Announcer))?;
    }
    println!("listening on {local}");
    lp.run()
}
