//! `chat`'s protocol: the `Chat` context (the broadcast of lines and the
//! names in use) and one client's `Client` state, in their own file so
//! tests drive them on `mio::testing::Harness`.
//!
//! The socket is the including file's `Socket` type: `TcpStream` in the
//! example, `mio::testing::SimSocket` in tests.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use mio::machine::{Broadcast, Lagged, MachineError, Scope};
use mio::stream::{Intent, Limit, Protocol, Transport};

use super::Socket;

/// The longest line (longer: the client is disconnected).
pub const MAX_LINE: usize = 1024;
/// The longest nick.
pub const MAX_NICK: usize = 32;

/// One broadcast line, formatted in place: no allocation per line.
pub struct Line {
    len: usize,
    bytes: [u8; MAX_LINE + MAX_NICK + 8],
}

impl Line {
    /// Formats `args`, cut at the line's capacity.
    pub fn new(args: std::fmt::Arguments<'_>) -> Line {
        let mut bytes = [0; MAX_LINE + MAX_NICK + 8];
        let mut rest = &mut bytes[..];
        let _ = rest.write_fmt(args);
        let len = MAX_LINE + MAX_NICK + 8 - rest.len();
        Line { len, bytes }
    }
}

/// The loop's context: the broadcast and the names in use.
pub struct Chat {
    lines: Broadcast<Line>,
    names: HashSet<String>,
    guests: u64,
    idle: Duration,
}

impl Chat {
    /// A room whose lines go through `lines`, dropping clients idle for
    /// `idle`.
    pub fn new(lines: Broadcast<Line>, idle: Duration) -> Chat {
        Chat { lines, names: HashSet::new(), guests: 0, idle }
    }
}

impl AsMut<Broadcast<Line>> for Chat {
    fn as_mut(&mut self) -> &mut Broadcast<Line> {
        &mut self.lines
    }
}

/// One client's protocol state.
pub struct Client {
    nick: String,
    /// When it is idle too long: moved by every line.
    idle_at: Instant,
    /// It said goodbye and waits for its last output to leave (at most
    /// `CLOSE_GRACE`), then closes.
    closing: bool,
}

/// How long a client that is leaving may take to read its last line.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

type Io<'a, 't> = &'a mut Transport<'t, Socket>;
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
            self.part(s, "quit");
            return self.close(s);
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

    /// After a goodbye: waits for the output to leave (bounded by
    /// `CLOSE_GRACE`: a peer that does not read cannot hold the connection),
    /// then closes. `Intent::done` alone makes one last write, which a
    /// peer whose window is closed at that moment would miss.
    fn close(self, s: Ctx) -> Intent<Client> {
        Intent::of(Client { closing: true, ..self }).deadline(s.now() + CLOSE_GRACE).expect_flush()
    }

    /// Tells the others it left, and closes (after one last write).
    fn leave(self, s: Ctx, why: &str) -> Intent<Client> {
        self.part(s, why);
        Intent::done()
    }

    /// Tells the others it left; the connection is still open.
    fn part(&self, s: Ctx, why: &str) {
        eprintln!("{}: {why}", self.nick);
        s.names.remove(&self.nick);
        s.publish(Line::new(format_args!("* {} left ({why})\n", self.nick)));
    }
}

impl Protocol for Client {
    type Context = Chat;
    type Socket = Socket;

    fn create(t: Io, s: Ctx) -> Intent<Client> {
        let _ = t.socket().set_nodelay(true);
        s.subscribe::<Line>().expect("a broadcast slot per machine");
        s.guests += 1;
        let nick = format!("guest{}", s.guests);
        let others = s.names.len();
        s.names.insert(nick.clone());
        let _ = writeln!(t.output(), "* welcome {nick}, {others} others here; /nick NAME to rename, /quit to leave");
        s.publish(Line::new(format_args!("* {nick} joined\n")));
        Client { nick, idle_at: s.now() + s.idle, closing: false }.next()
    }

    fn bytes_read(mut self, t: Io, end: usize, s: Ctx) -> Intent<Client> {
        self.idle_at = s.now() + s.idle;
        // The line is copied out of the input (the callbacks below write to
        // the output): onto the stack, so a line costs no allocation (a
        // line that is not UTF-8 does, for its replacement characters).
        let mut copy = [0; MAX_LINE];
        let input = t.input();
        let raw = &input.data()[..end - 1];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        copy[..raw.len()].copy_from_slice(raw);
        let len = raw.len();
        input.consume(end);
        let line = String::from_utf8_lossy(&copy[..len]);
        self.line(&line, t, s)
    }

    fn bytes_flushed(self, t: Io, s: Ctx) -> Intent<Client> {
        if self.closing {
            return Intent::done();
        }
        self.deliver(t, s, Client::next)
    }

    fn wakeup(self, t: Io, s: Ctx) -> Intent<Client> {
        if self.closing {
            return Intent::of(self).unchanged();
        }
        // Whatever it waited for (a line, or a flush), it still does.
        self.deliver(t, s, |client| Intent::of(client).unchanged())
    }

    fn timeout(self, t: Io, s: Ctx) -> Intent<Client> {
        if self.closing {
            return Intent::done(); // its last output did not leave in time
        }
        let _ = writeln!(t.output(), "* idle for {:?}, bye", s.idle);
        self.part(s, "idle");
        self.close(s)
    }

    fn drain(self, t: Io, s: Ctx) -> Intent<Client> {
        if self.closing {
            return Intent::of(self).unchanged();
        }
        let _ = t.output().extend(b"* server shutting down\n");
        self.close(s)
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
