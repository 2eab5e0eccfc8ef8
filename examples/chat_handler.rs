//! A line-based TCP chat server: each line a client sends goes to every other
//! client.
//!
//! ```text
//! cargo run --release --example chat_handler [ADDR] [--idle-secs N] [--announce-secs N]
//!     # default 127.0.0.1:7001, idle clients dropped after 300 s, no announcements
//! nc 127.0.0.1 7001      # in two terminals, then type; `/nick NAME`, `/quit`
//! ```
//!
//! Built on layer 1 (`EventLoop` + `Handler`): a handler that owns the slab
//! of clients broadcasts with one loop over the slab. `chat` is the same
//! server on the machine layer (one `Stream` protocol machine per client
//! and a `Broadcast` between them), and `tests/chat.rs` runs both. The
//! loop's three services map one to one:
//!
//! * readiness: the listener, the clients (edge-triggered readable and
//!   writable, registered once: no `epoll_ctl` after accept) and the signals;
//! * timers: one idle timer per client, re-armed lazily: a line only stamps
//!   the time, and a timer that finds its client heard from since sets
//!   itself again for the rest of the idle time;
//! * the channel: the announcer thread (`--announce-secs N`) posts
//!   `server time ...` messages that the loop broadcasts.
//!
//! Bounds: a line is at most 1 KiB (longer: the client is disconnected), and
//! each client has at most 64 KiB of output the kernel has not taken yet. A
//! client whose output would exceed that is a slow reader and is dropped, so
//! one stalled client never makes the server buffer without limit.
//!
//! SIGINT or SIGTERM tells the clients and exits cleanly.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::tcp::{TcpListener, TcpStream};
use mio::unix::Signals;
use mio::{EventLoop, EventSet, Handler, NotifyError, PollOpt, Sender, Token};
use slab::Slab;

const LISTENER: Token = Token(usize::MAX - 1);
const SIGNALS: Token = Token(usize::MAX - 2);
const MAX_CLIENTS: usize = 1024;
const MAX_LINE: usize = 1024;
const MAX_OUTPUT: usize = 64 * 1024;
const MAX_NICK: usize = 32;

struct Client {
    stream: TcpStream,
    nick: String,
    /// Bytes of an unfinished line.
    input: Vec<u8>,
    /// `output[sent..]` waits for the socket to take it.
    output: Vec<u8>,
    sent: usize,
    last_heard: Instant,
    idle_timer: mio::Timeout,
}

impl Client {
    /// Queues `msg` and writes what the socket takes now.
    fn send(&mut self, msg: &[u8]) -> Result<(), &'static str> {
        if self.output.len() - self.sent + msg.len() > MAX_OUTPUT {
            return Err("too slow: output limit reached");
        }
        if self.output.len() + msg.len() > MAX_OUTPUT {
            // Reclaim what was sent, so the buffer itself stays bounded.
            self.output.drain(..self.sent);
            self.sent = 0;
        }
        self.output.extend_from_slice(msg);
        self.flush()
    }

    /// Writes pending output until done or `WouldBlock` (then the next
    /// writable edge calls this again).
    fn flush(&mut self) -> Result<(), &'static str> {
        while self.sent < self.output.len() {
            match self.stream.write(&self.output[self.sent..]) {
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err("write failed"),
            }
        }
        if self.sent == self.output.len() {
            self.output.clear();
            self.sent = 0;
        }
        Ok(())
    }
}

/// What a timer is for.
enum Timer {
    /// Check whether client `key` has been quiet too long.
    Idle(usize),
    /// Accepting failed (out of fds?): try again.
    Accept,
}

struct Chat {
    listener: TcpListener,
    signals: Signals,
    clients: Slab<Client>,
    idle: Duration,
    guests: u64,
}

impl Chat {
    fn accept(&mut self, el: &mut EventLoop<Chat>) {
        loop {
            let (stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    // The connection stays queued; an edge-triggered listener
                    // gets no new edge for it, so retry on a timer.
                    eprintln!("accept: {e}");
                    let _ = el.timeout(Timer::Accept, Duration::from_millis(100));
                    return;
                }
            };
            if self.clients.len() == MAX_CLIENTS {
                let _ = (&stream).write(b"* server full\n");
                continue;
            }
            let key = self.clients.vacant_entry().key();
            let interest = EventSet::readable() | EventSet::writable();
            if let Err(e) = el.register(&stream, Token(key), interest, PollOpt::edge()) {
                eprintln!("{peer}: register: {e}");
                continue;
            }
            let Ok(idle_timer) = el.timeout(Timer::Idle(key), self.idle) else {
                eprintln!("{peer}: no timer left");
                continue;
            };
            let _ = stream.set_nodelay(true);
            self.guests += 1;
            let nick = format!("guest{}", self.guests);
            let others = self.clients.len();
            let welcome = format!("* welcome {nick}, {others} others here; /nick NAME to rename, /quit to leave\n");
            let mut client = Client {
                stream,
                nick,
                input: Vec::new(),
                output: Vec::new(),
                sent: 0,
                last_heard: el.now(),
                idle_timer,
            };
            let _ = client.send(welcome.as_bytes());
            let joined = format!("* {} joined\n", client.nick);
            self.clients.insert(client);
            self.broadcast(el, Some(key), &joined);
        }
    }

    /// Reads until `WouldBlock`, handling each complete line.
    fn read(&mut self, el: &mut EventLoop<Chat>, key: usize) {
        let mut buf = [0u8; 4096];
        loop {
            let Some(client) = self.clients.get_mut(key) else { return };
            let n = match client.stream.read(&mut buf) {
                Ok(0) => return self.close(el, key, "left"),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return self.close(el, key, "connection lost"),
            };
            client.last_heard = el.now();
            // Take the input out so that lines can be broadcast to the others.
            let mut input = std::mem::take(&mut client.input);
            input.extend_from_slice(&buf[..n]);
            let mut start = 0;
            while let Some(len) = input[start..].iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&input[start..start + len]).trim_end_matches('\r').to_owned();
                start += len + 1;
                if !self.line(el, key, &line) {
                    return; // the client is gone
                }
            }
            input.drain(..start);
            if input.len() > MAX_LINE {
                return self.close(el, key, "line too long");
            }
            match self.clients.get_mut(key) {
                Some(client) => client.input = input,
                None => return,
            }
        }
    }

    /// Handles one line from `key`; `false` if the client was closed.
    fn line(&mut self, el: &mut EventLoop<Chat>, key: usize, line: &str) -> bool {
        let nick = self.clients[key].nick.clone();
        if let Some(name) = line.strip_prefix("/nick ") {
            let name = name.trim();
            if name.is_empty() || name.len() > MAX_NICK || name.contains(char::is_whitespace) {
                return self.reply(el, key, "* usage: /nick NAME (one word, at most 32 bytes)\n");
            }
            if self.clients.iter().any(|(_, c)| c.nick == name) {
                return self.reply(el, key, &format!("* {name} is taken\n"));
            }
            self.clients[key].nick = name.to_owned();
            self.broadcast(el, None, &format!("* {nick} is now {name}\n"));
        } else if line == "/quit" {
            let _ = self.clients[key].send(b"* bye\n");
            self.close(el, key, "quit");
        } else if line.starts_with('/') {
            return self.reply(el, key, "* commands: /nick NAME, /quit\n");
        } else if !line.is_empty() {
            self.broadcast(el, Some(key), &format!("<{nick}> {line}\n"));
        }
        self.clients.contains(key)
    }

    /// Sends `msg` to `key` alone; `false` if that closed the client.
    fn reply(&mut self, el: &mut EventLoop<Chat>, key: usize, msg: &str) -> bool {
        if let Err(why) = self.clients[key].send(msg.as_bytes()) {
            self.close(el, key, why);
            return false;
        }
        true
    }

    /// Sends `msg` to every client but `except`. A client it does not fit
    /// (a slow reader) or whose socket failed is closed, which the others
    /// are told in turn.
    fn broadcast(&mut self, el: &mut EventLoop<Chat>, except: Option<usize>, msg: &str) {
        let mut failed = Vec::new();
        for (key, client) in &mut self.clients {
            if Some(key) != except {
                if let Err(why) = client.send(msg.as_bytes()) {
                    failed.push((key, why));
                }
            }
        }
        for (key, why) in failed {
            self.close(el, key, why);
        }
    }

    /// Closes `key` (if still there) and tells the others.
    fn close(&mut self, el: &mut EventLoop<Chat>, key: usize, why: &str) {
        let Some(client) = self.clients.try_remove(key) else { return };
        el.clear_timeout(client.idle_timer);
        eprintln!("{}: {why}", client.nick);
        self.broadcast(el, None, &format!("* {} left ({why})\n", client.nick));
    }

    fn idle_check(&mut self, el: &mut EventLoop<Chat>, key: usize) {
        let Some(client) = self.clients.get_mut(key) else { return };
        let quiet = el.now().saturating_duration_since(client.last_heard);
        if quiet < self.idle {
            // Heard from since the timer was set: wait for the rest.
            match el.timeout(Timer::Idle(key), self.idle - quiet) {
                Ok(timer) => client.idle_timer = timer,
                Err(_) => self.close(el, key, "no timer left"),
            }
            return;
        }
        let _ = client.send(format!("* idle for {:?}, bye\n", self.idle).as_bytes());
        self.close(el, key, "idle");
    }
}

impl Handler for Chat {
    type Timeout = Timer;
    type Message = String;

    fn ready(&mut self, el: &mut EventLoop<Chat>, token: Token, events: EventSet) {
        match token {
            LISTENER => self.accept(el),
            SIGNALS => {
                while let Ok(Some(signal)) = self.signals.receive() {
                    eprintln!("signal {signal}: shutting down");
                    self.broadcast(el, None, "* server shutting down\n");
                    el.shutdown();
                }
            }
            Token(key) => {
                if events.is_writable() {
                    if let Some(Err(why)) = self.clients.get_mut(key).map(Client::flush) {
                        return self.close(el, key, why);
                    }
                }
                if events.is_readable() || events.is_hup() || events.is_error() {
                    self.read(el, key);
                }
            }
        }
    }

    fn notify(&mut self, el: &mut EventLoop<Chat>, announcement: String) {
        self.broadcast(el, None, &format!("* {announcement}\n"));
    }

    fn timeout(&mut self, el: &mut EventLoop<Chat>, timer: Timer) {
        match timer {
            Timer::Idle(key) => self.idle_check(el, key),
            Timer::Accept => self.accept(el),
        }
    }
}

/// The announcer thread: posts the time through the loop's channel.
fn announce(sender: Sender<String>, every: Duration) {
    loop {
        thread::sleep(every);
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
        let msg = format!("server time {:02}:{:02}:{:02} UTC", secs / 3600, secs / 60 % 60, secs % 60);
        match sender.send(msg) {
            Ok(()) | Err(NotifyError::Io(_)) => {} // Io: queued; the loop gets it when it next wakes
            Err(NotifyError::Full(_)) => eprintln!("announcer: the loop is busy, announcement dropped"),
            Err(NotifyError::Closed(_)) => return,
        }
    }
}

struct Args {
    addr: SocketAddr,
    idle: Duration,
    announce: Option<Duration>,
}

fn parse_args() -> io::Result<Args> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    let secs = |flag: &str, value: Option<String>| -> io::Result<Duration> {
        let value = value.ok_or_else(|| bad(format!("{flag} needs a value")))?;
        value
            .parse::<f64>()
            .ok()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .ok_or_else(|| bad(format!("{flag} {value}: not a number of seconds")))
    };
    let mut args =
        Args { addr: SocketAddr::from(([127, 0, 0, 1], 7001)), idle: Duration::from_secs(300), announce: None };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--idle-secs" => args.idle = secs(&arg, argv.next())?,
            "--announce-secs" => args.announce = Some(secs(&arg, argv.next())?).filter(|d| !d.is_zero()),
            _ => args.addr = arg.parse().map_err(|e| bad(format!("{arg}: {e}")))?,
        }
    }
    Ok(args)
}

fn main() -> io::Result<()> {
    let args = parse_args()?;
    let listener = TcpListener::bind(args.addr)?;
    let signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;
    let mut event_loop = EventLoop::new()?;
    event_loop.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge())?;
    event_loop.register(&signals, SIGNALS, EventSet::readable(), PollOpt::level())?;
    if let Some(every) = args.announce {
        let sender = event_loop.channel();
        thread::spawn(move || announce(sender, every));
    }
    println!("listening on {}", listener.local_addr()?);
    let mut chat = Chat { listener, signals, clients: Slab::with_capacity(MAX_CLIENTS), idle: args.idle, guests: 0 };
    event_loop.run(&mut chat)
}
