//! `http_hello`'s protocol: the `Server` context and the `Http` states, in
//! their own file so tests drive them on `mio::testing::Harness` and the
//! fuzz target `http_server` does too.
//!
//! The socket is the including file's `Socket` type: `TcpStream` in the
//! example, `mio::testing::SimSocket` in tests (both have `set_nodelay`
//! and `shutdown`).

use std::io::Write as _;
use std::net::Shutdown;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mio::machine::Scope;
use mio::stream::{Event, GoesTo, Limit, Next, Transport};

use super::Socket;

#[path = "http_head.rs"]
mod http_head;
use http_head::{parse_head, Head, Keep};

/// The longest request head accepted (431 beyond).
const MAX_HEAD: usize = 8 * 1024;
/// Room a response needs in the output buffer (the longest is `/stats`'s:
/// its headers and at most [`MAX_STATS`] bytes of body).
const MAX_RESPONSE: usize = 256 + MAX_STATS;
/// The longest `/stats` body (about 700 bytes are used).
const MAX_STATS: usize = 1280;

/// The loop's context: settings and the cached `Date` header.
#[derive(Debug)]
pub struct Server {
    deadline: Duration,
    /// Responses queued so far.
    pub responses: u64,
    second: u64,
    date: [u8; 29],
}

/// One HTTP connection.
#[mio::machine(protocol)]
#[derive(Debug)]
pub enum Http {
    /// Waiting for a request head.
    #[state(start, to(Body, Respond))]
    Request,
    /// Reading and dropping a request body.
    #[state(to(Request, Respond))]
    Body {
        /// Body bytes still to come.
        remaining: u64,
        /// Whether to keep the connection after the response.
        keep: Keep,
    },
    /// Waiting for queued responses to be written.
    #[state(to(Request, Linger))]
    Respond {
        /// Whether to read another request after this response.
        keep: Keep,
    },
    /// Write side shut: draining input until EOF or the deadline.
    #[state(to(Closed))]
    Linger,
    /// The connection is over.
    #[state(done)]
    Closed,
}

use http::{Body, Closed, Linger, Request, Respond};

type T<'a> = Transport<'a, Socket>;
type S<'a> = Scope<'a, Server>;

impl Server {
    /// Context for connections with a request `deadline`.
    pub fn new(deadline: Duration) -> Server {
        Server { deadline, responses: 0, second: 0, date: [b' '; 29] }
    }

    /// The `Date` value (IMF-fixdate), formatted at most once a second.
    fn date(&mut self) -> &[u8] {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if secs != self.second {
            self.second = secs;
            let days = (secs / 86_400) as i64;
            // Days to civil date (Howard Hinnant's algorithm).
            let z = days + 719_468;
            let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let (day, month) = (doy - (153 * mp + 2) / 5 + 1, if mp < 10 { mp + 3 } else { mp - 9 });
            let year = yoe + era * 400 + i64::from(month <= 2);
            const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
            const MONTHS: [&str; 12] =
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let (weekday, name) = (DAYS[(days % 7) as usize], MONTHS[month as usize - 1]);
            let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
            let _ = write!(&mut self.date[..], "{weekday}, {day:02} {name} {year} {h:02}:{m:02}:{s:02} GMT");
        }
        &self.date
    }
}

/// Queues a response with `status` and `body`.
fn queue(t: &mut T<'_>, scope: &mut S<'_>, status: &str, keep: Keep, body: &str) {
    let connection: &[u8] = match keep {
        Keep::Default => b"",
        Keep::Explicit => b"Connection: keep-alive\r\n",
        Keep::Close => b"Connection: close\r\n",
    };
    let mut digits = [0; 20];
    let mut at = digits.len();
    let mut n = body.len();
    while at == digits.len() || n > 0 {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    scope.responses += 1;
    let out = t.output();
    let parts: [&[u8]; 10] = [
        b"HTTP/1.1 ",
        status.as_bytes(),
        b"\r\nServer: mio\r\nDate: ",
        scope.date(),
        b"\r\nContent-Type: text/plain\r\n",
        connection,
        b"Content-Length: ",
        &digits[at..],
        b"\r\n\r\n",
        body.as_bytes(),
    ];
    for part in parts {
        out.push(part); // The states keep MAX_RESPONSE free before answering.
    }
}

/// Answers `/stats`: this loop's counters, one `name: value` line each.
fn answer_stats<A: GoesTo<Request> + GoesTo<Respond>>(t: &mut T<'_>, scope: &mut S<'_>, keep: Keep) -> Next<A> {
    let mut body = [0u8; MAX_STATS];
    let mut room = &mut body[..];
    let _ = write!(room, "{}", scope.counters().snapshot()); // Cut short if ever too long.
    let len = MAX_STATS - room.len();
    let body = std::str::from_utf8(&body[..len]).unwrap_or_default();
    queue(t, scope, "200 OK", keep, body);
    after_answer(t, scope, keep)
}

/// Waits for the next request head.
fn read_request<A: GoesTo<Request>>(scope: &mut S<'_>) -> Next<A> {
    Next::of(Request).deadline(scope.now() + scope.deadline).expect_delimiter(b"\r\n\r\n", MAX_HEAD)
}

/// Answers a complete request; with room for another response, goes on to
/// the next request (pipelined ones are then answered in the same write).
/// While the loop drains, the answer closes the connection.
fn answer<A: GoesTo<Request> + GoesTo<Respond>>(t: &mut T<'_>, scope: &mut S<'_>, keep: Keep) -> Next<A> {
    let keep = if scope.is_draining() { Keep::Close } else { keep };
    queue(t, scope, "200 OK", keep, "Hello, world!");
    after_answer(t, scope, keep)
}

/// After a response: with room for another, goes on to the next request.
fn after_answer<A: GoesTo<Request> + GoesTo<Respond>>(t: &mut T<'_>, scope: &mut S<'_>, keep: Keep) -> Next<A> {
    if keep != Keep::Close && t.output().remaining() >= MAX_RESPONSE {
        read_request(scope)
    } else {
        Next::of(Respond { keep }).expect_flush()
    }
}

/// Answers with an error status, then closes.
fn reject<A: GoesTo<Respond>>(t: &mut T<'_>, scope: &mut S<'_>, status: &str) -> Next<A> {
    queue(t, scope, status, Keep::Close, status);
    Next::of(Respond { keep: Keep::Close }).expect_flush()
}

/// Drops up to `remaining` body bytes from the input; then reads the rest
/// of the body or answers.
fn drop_body<A>(remaining: u64, keep: Keep, t: &mut T<'_>, scope: &mut S<'_>) -> Next<A>
where
    A: GoesTo<Body> + GoesTo<Request> + GoesTo<Respond>,
{
    let n = remaining.min(t.input().len() as u64);
    t.input().consume(n as usize);
    match remaining - n {
        0 => answer(t, scope, keep),
        remaining => Next::of(Body { remaining, keep }).deadline(scope.now() + scope.deadline).expect_bytes(1),
    }
}

impl http::Handlers for Http {
    type Context = Server;
    type Socket = Socket;
    const DRAIN: bool = true;

    fn create(t: &mut T<'_>, scope: &mut S<'_>) -> Next<Request> {
        let _ = t.socket().set_nodelay(true);
        read_request(scope)
    }

    fn on_request(_: Request, event: Event, t: &mut T<'_>, scope: &mut S<'_>) -> Next<http::AfterRequest> {
        match event {
            Event::BytesRead(end) => {
                let head = parse_head(&t.input().data()[..end]);
                t.input().consume(end);
                match head {
                    Ok(Head { keep, length: 0, stats: true, .. }) => answer_stats(t, scope, keep),
                    Ok(Head { keep, length: 0, .. }) => answer(t, scope, keep),
                    Ok(Head { keep, length, expect_continue, .. }) => {
                        if expect_continue {
                            t.output().push(b"HTTP/1.1 100 Continue\r\n\r\n");
                        }
                        drop_body(length, keep, t, scope)
                    }
                    Err(status) => reject(t, scope, status),
                }
            }
            Event::LimitExceeded(Limit::Delimiter { .. }) => reject(t, scope, "431 Request Header Fields Too Large"),
            // Draining: an idle connection closes at once; answers not
            // yet written are written first; a head in progress is
            // answered (with `Connection: close`).
            Event::Drain if t.input().is_empty() && t.output().is_empty() => Next::done(),
            Event::Drain if t.input().is_empty() => Next::of(Respond { keep: Keep::Close }).expect_flush(),
            Event::Wakeup | Event::Drain => Next::of(Request).unchanged(),
            _ => Next::done(),
        }
    }

    fn on_body(state: Body, event: Event, t: &mut T<'_>, scope: &mut S<'_>) -> Next<http::AfterBody> {
        match event {
            Event::BytesRead(_) => drop_body(state.remaining, state.keep, t, scope),
            Event::Wakeup | Event::Drain => Next::of(state).unchanged(),
            _ => Next::done(),
        }
    }

    fn on_respond(state: Respond, event: Event, t: &mut T<'_>, scope: &mut S<'_>) -> Next<http::AfterRespond> {
        match event {
            // Draining, a request that came in meanwhile is answered;
            // else the connection closes.
            Event::Flushed if state.keep != Keep::Close && !(scope.is_draining() && t.input().is_empty()) => {
                read_request(scope)
            }
            Event::Flushed => {
                let _ = t.socket().shutdown(Shutdown::Write);
                Next::of(Linger).deadline(scope.now() + scope.deadline).expect_bytes(1)
            }
            Event::Wakeup | Event::Drain => Next::of(state).unchanged(),
            _ => Next::done(),
        }
    }

    fn on_linger(_: Linger, event: Event, t: &mut T<'_>, _: &mut S<'_>) -> Next<http::AfterLinger> {
        match event {
            Event::BytesRead(_) => {
                let all = t.input().len();
                t.input().consume(all);
                Next::of(Linger).unchanged()
            }
            Event::Wakeup | Event::Drain => Next::of(Linger).unchanged(),
            _ => Next::finish(Closed),
        }
    }
}
