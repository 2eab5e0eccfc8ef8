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

use std::collections::HashSet;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::machine::{
    Accept, Broadcast, Created, Lagged, LoopConfig, Machine, MachineError, Response, Scope, SignalShutdown,
};
use mio::stream::{Intent, Limit, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};
use mio::EventSet;

const MAX_CLIENTS: usize = 1024;
const MAX_LINE: usize = 1024;
const MAX_NICK: usize = 32;
const RING: usize = 256;

/// One broadcast line, formatted in place: no allocation per line.
struct Line {
    len: usize,
    bytes: [u8; MAX_LINE + MAX_NICK + 8],
}

impl Line {
    /// Formats `args`, cut at the line's capacity.
    fn new(args: std::fmt::Arguments<'_>) -> Line {
        let mut bytes = [0; MAX_LINE + MAX_NICK + 8];
        let mut rest = &mut bytes[..];
        let _ = rest.write_fmt(args);
        let len = MAX_LINE + MAX_NICK + 8 - rest.len();
        Line { len, bytes }
    }
}

/// The loop's context: the broadcast and the names in use.
struct Chat {
    lines: Broadcast<Line>,
    names: HashSet<String>,
    guests: u64,
    idle: Duration,
}

impl AsMut<Broadcast<Line>> for Chat {
    fn as_mut(&mut self) -> &mut Broadcast<Line> {
        &mut self.lines
    }
}

/// One client's protocol state.
struct Client {
    nick: String,
    /// When it is idle too long: moved by every line.
    idle_at: Instant,
}

type Io<'a, 't> = &'a mut Transport<'t, TcpStream>;
type Ctx<'a, 's> = &'a mut Scope<'s, Chat>;

impl Client {
    /// Waits for the next line (or a wake-up), with the idle deadline.
    fn next(self) -> Intent<Client> {
        let at = self.idle_at;
        Intent::of(self).deadline(at).expect_delimiter(b"\n", MAX_LINE + 1)
    }

    /// Copies the lines it has not read into its output until the output
    /// is full (`Ok(true)`); `Err` if it fell too far behind.
    fn catch_up(t: Io, s: Ctx) -> Result<bool, Lagged> {
        let output = t.output();
        let mut full = false;
        s.read_broadcast(|line: &Line| {
            full = output.extend(&line.bytes[..line.len]).is_err();
            !full
        })?;
        Ok(full)
    }

    /// Takes the lines it has not read; waits for a flush if its output is
    /// full, else goes on as `then` says. One that fell too far behind is a
    /// slow reader and is dropped.
    fn deliver(self, t: Io, s: Ctx, then: fn(Client) -> Intent<Client>) -> Intent<Client> {
        match Client::catch_up(t, s) {
            Err(Lagged(_)) => self.leave(s, "too slow: output limit reached"),
            Ok(true) => {
                let at = self.idle_at;
                Intent::of(self).deadline(at).expect_flush()
            }
            Ok(false) => then(self),
        }
    }

    /// Handles one line; what to wait for next.
    fn line(mut self, line: &str, t: Io, s: Ctx) -> Intent<Client> {
        let reply = |t: Io, msg: std::fmt::Arguments<'_>| {
            let _ = t.output().write_fmt(msg);
        };
        if let Some(name) = line.strip_prefix("/nick ").map(str::trim) {
            if name.is_empty() || name.len() > MAX_NICK || name.contains(char::is_whitespace) {
                reply(t, format_args!("* usage: /nick NAME (one word, at most 32 bytes)\n"));
            } else if !s.names.insert(name.to_owned()) {
                reply(t, format_args!("* {name} is taken\n"));
            } else {
                s.names.remove(&self.nick);
                let renamed = Line::new(format_args!("* {} is now {name}\n", self.nick));
                let _ = t.output().extend(&renamed.bytes[..renamed.len]);
                s.publish(renamed);
                self.nick = name.to_owned();
            }
        } else if line == "/quit" {
            reply(t, format_args!("* bye\n"));
            return self.leave(s, "quit");
        } else if line.starts_with('/') {
            reply(t, format_args!("* commands: /nick NAME, /quit\n"));
        } else if !line.is_empty() {
            // Read the others' lines first: a client that talks much cannot
            // push them out of the ring before it has read them.
            if Client::catch_up(t, s).is_err() {
                return self.leave(s, "too slow: output limit reached");
            }
            s.publish(Line::new(format_args!("<{}> {line}\n", self.nick)));
        }
        self.next()
    }

    /// Tells the others it left, and closes (after one last write).
    fn leave(self, s: Ctx, why: &str) -> Intent<Client> {
        eprintln!("{}: {why}", self.nick);
        s.names.remove(&self.nick);
        s.publish(Line::new(format_args!("* {} left ({why})\n", self.nick)));
        Intent::done()
    }
}

impl Protocol for Client {
    type Context = Chat;
    type Socket = TcpStream;

    fn create(t: Io, s: Ctx) -> Intent<Client> {
        let _ = t.socket().set_nodelay(true);
        s.subscribe::<Line>().expect("a broadcast slot per machine");
        s.guests += 1;
        let nick = format!("guest{}", s.guests);
        let others = s.names.len();
        s.names.insert(nick.clone());
        let _ = writeln!(t.output(), "* welcome {nick}, {others} others here; /nick NAME to rename, /quit to leave");
        s.publish(Line::new(format_args!("* {nick} joined\n")));
        Client { nick, idle_at: s.now() + s.idle }.next()
    }

    fn bytes_read(mut self, t: Io, end: usize, s: Ctx) -> Intent<Client> {
        self.idle_at = s.now() + s.idle;
        let input = t.input();
        let raw = &input.data()[..end - 1];
        let line = String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw)).into_owned();
        input.consume(end);
        self.line(&line, t, s)
    }

    fn bytes_flushed(self, t: Io, s: Ctx) -> Intent<Client> {
        self.deliver(t, s, Client::next)
    }

    fn wakeup(self, t: Io, s: Ctx) -> Intent<Client> {
        // Whatever it waited for (a line, or a flush), it still does.
        self.deliver(t, s, |client| Intent::of(client).unchanged())
    }

    fn timeout(self, t: Io, s: Ctx) -> Intent<Client> {
        let _ = writeln!(t.output(), "* idle for {:?}, bye", s.idle);
        self.leave(s, "idle")
    }

    fn drain(self, t: Io, _: Ctx) -> Intent<Client> {
        let _ = t.output().extend(b"* server shutting down\n");
        Intent::done()
    }

    fn end_of_stream(self, _: Io, s: Ctx) -> Intent<Client> {
        self.leave(s, "left")
    }

    fn limit_exceeded(self, _: Io, limit: Limit, s: Ctx) -> Intent<Client> {
        self.leave(s, if matches!(limit, Limit::PoolExhausted) { "server busy" } else { "line too long" })
    }

    fn error(self, _: MachineError, s: Ctx) {
        let _ = self.leave(s, "connection lost");
    }
}

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
    let chat = Chat { lines, names: HashSet::new(), guests: 0, idle };
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
