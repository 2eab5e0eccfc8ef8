//! The commands: names, arities, and what each does to the database.
//!
//! Replies go into the connection's bounded output. Every reply but a bulk
//! value fits in [`SMALL_REPLY`] bytes, so a command runs only when that much
//! room is free. A bulk value of up to [`COPY_MAX`] bytes is copied into the
//! output if it fits; a larger one is queued after its `$len` line, shared
//! with the database rather than copied (a value sent to a hundred clients
//! is in memory once). When the output's queue is full, the command stops
//! with the value in hand ([`Exec::QueueFull`]) and goes on after a flush;
//! an MGET writes what fits and continues after a flush.

use std::fmt;

use mio::stream::{Bytes, Output, QueueFull};

use crate::args::{stored, Args};
use crate::client::{self, Client};
use crate::db::{Db, Ttl};
use crate::frame::{bulk, bulk_room, error, integer, number};
use crate::{info_sections, keyspace, transaction};

/// The room any reply but a bulk value needs (the longest is the unknown
/// command error, which quotes up to 128 + 128 bytes of the request).
pub const SMALL_REPLY: usize = 1024;

/// The largest value a reply copies into the output; larger ones are queued.
/// Also the size above which a stored value gets its shared header at once
/// (see [`stored`](crate::args::stored)).
pub const COPY_MAX: usize = 4096;

/// The room a queued value's `$len\r\n` line and its `\r\n` take.
const QUEUED_ROOM: usize = 24 + 2;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Cmd {
    Get,
    Set,
    Ping,
    Echo,
    Del,
    Exists,
    Incr,
    Decr,
    IncrBy,
    DecrBy,
    MGet,
    MSet,
    Expire,
    PExpire,
    Ttl,
    PTtl,
    DbSize,
    FlushDb,
    Quit,
    Command,
    Config,
    Multi,
    Exec,
    Discard,
    Select,
    Client,
    Hello,
    Info,
    Persist,
    Append,
    Strlen,
    Type,
    Keys,
    Scan,
}

/// Name (as errors quote it), arity (`n`: exactly `n` words with the name;
/// `-n`: at least `n`), command. The most used first.
const COMMANDS: &[(&str, i32, Cmd)] = &[
    ("get", 2, Cmd::Get),
    ("set", -3, Cmd::Set),
    ("ping", -1, Cmd::Ping),
    ("incr", 2, Cmd::Incr),
    ("mget", -2, Cmd::MGet),
    ("mset", -3, Cmd::MSet),
    ("del", -2, Cmd::Del),
    ("exists", -2, Cmd::Exists),
    ("decr", 2, Cmd::Decr),
    ("incrby", 3, Cmd::IncrBy),
    ("decrby", 3, Cmd::DecrBy),
    ("expire", -3, Cmd::Expire),
    ("pexpire", -3, Cmd::PExpire),
    ("ttl", 2, Cmd::Ttl),
    ("pttl", 2, Cmd::PTtl),
    ("echo", 2, Cmd::Echo),
    ("dbsize", 1, Cmd::DbSize),
    ("flushdb", -1, Cmd::FlushDb),
    ("quit", -1, Cmd::Quit),
    ("command", -1, Cmd::Command),
    ("config", -2, Cmd::Config),
    ("multi", 1, Cmd::Multi),
    ("exec", 1, Cmd::Exec),
    ("discard", 1, Cmd::Discard),
    ("select", 2, Cmd::Select),
    ("client", -2, Cmd::Client),
    ("hello", -1, Cmd::Hello),
    ("info", -1, Cmd::Info),
    ("persist", 2, Cmd::Persist),
    ("append", 3, Cmd::Append),
    ("strlen", 2, Cmd::Strlen),
    ("type", 2, Cmd::Type),
    ("keys", 2, Cmd::Keys),
    ("scan", -2, Cmd::Scan),
];

/// What running a command did.
#[derive(Debug, PartialEq, Eq)]
pub enum Exec {
    /// Replied in full.
    Done,
    /// The reply does not fit yet and nothing was changed: run the command
    /// again (with the same `resume`) once the output is flushed.
    Blocked,
    /// Replied in part (MGET): run it again with `resume` = this after a flush.
    Partial(usize),
    /// A bulk value's `$len` line is written but the output's queue is full:
    /// after a flush, queue the value and `\r\n`; then the command is done
    /// (`None`) or goes on with `resume` = `Some(this)`. (Or a whole reply
    /// built in memory, but for its last `\r\n`: KEYS, SCAN.)
    QueueFull(Bytes, Option<usize>),
    /// Replied; close the connection once the output is flushed.
    Quit,
}

/// Runs `req`, from `client`, at tick `now`. `resume` is 0, or where a
/// partial MGET (or EXEC) goes on. While a MULTI is on, a command is
/// queued instead (see [`transaction`]).
pub fn execute<R: Args + ?Sized>(
    db: &mut Db,
    client: &mut Client,
    req: &mut R,
    out: &mut Output<'_>,
    now: u64,
    resume: usize,
) -> Exec {
    if out.remaining() < SMALL_REPLY {
        return Exec::Blocked;
    }
    let Some(&(name, arity, cmd)) = COMMANDS.iter().find(|(name, ..)| req.is(0, name)) else {
        error(out, format_args!("unknown command '{}', with args beginning with: {}", lossy(req.arg(0)), Preview(req)));
        transaction::refused(client);
        return Exec::Done;
    };
    let argc = req.len() as i32;
    let arity_ok = if arity > 0 { argc == arity } else { argc >= -arity };
    if !arity_ok || (cmd == Cmd::MSet && argc % 2 == 0) || (cmd == Cmd::Ping && argc > 2) {
        if cmd == Cmd::Exec {
            transaction::exec_refused(client, out);
            return Exec::Done;
        }
        error(out, format_args!("wrong number of arguments for '{name}' command"));
        transaction::refused(client);
        return Exec::Done;
    }
    if client.in_multi() && !matches!(cmd, Cmd::Exec | Cmd::Discard | Cmd::Multi | Cmd::Quit) {
        transaction::queue(client, req, db.max_value, out);
        return Exec::Done;
    }
    match cmd {
        Cmd::Get => match db.get(req.arg(1), now) {
            Some(entry) => return send(out, &entry.value).done(None),
            None => reply(out, b"$-1\r\n"),
        },
        Cmd::Set => set(db, req, out, now),
        Cmd::Ping if argc == 2 => return send_arg(out, req, 1),
        Cmd::Ping => reply(out, b"+PONG\r\n"),
        Cmd::Echo => return send_arg(out, req, 1),
        Cmd::Del | Cmd::Exists => {
            let mut count = 0;
            for i in 1..req.len() {
                if db.get(req.arg(i), now).is_some() {
                    count += 1;
                    if cmd == Cmd::Del {
                        db.remove(req.arg(i));
                    }
                }
            }
            number(out, b':', count);
        }
        Cmd::Incr => incr_by(db, req.arg(1), Some(1), out, now),
        Cmd::Decr => incr_by(db, req.arg(1), Some(-1), out, now),
        Cmd::IncrBy | Cmd::DecrBy => match integer(req.arg(2)) {
            Some(by) if cmd == Cmd::IncrBy => incr_by(db, req.arg(1), Some(by), out, now),
            Some(by) => incr_by(db, req.arg(1), by.checked_neg(), out, now),
            None => not_an_integer(out),
        },
        Cmd::MGet => return mget(db, req, out, now, resume),
        Cmd::MSet => {
            for i in (1..req.len()).step_by(2) {
                let value = req.value(i + 1);
                db.set(req.arg(i), value, Ttl::Clear);
            }
            reply(out, b"+OK\r\n");
        }
        Cmd::Expire => expire(db, req, out, now, 1000, name),
        Cmd::PExpire => expire(db, req, out, now, 1, name),
        Cmd::Ttl | Cmd::PTtl => match db.expiry(req.arg(1), now) {
            Err(()) => number(out, b':', -2),
            Ok(None) => number(out, b':', -1),
            Ok(Some(at)) if cmd == Cmd::PTtl => number(out, b':', (at - now) as i64),
            Ok(Some(at)) => number(out, b':', ((at - now + 500) / 1000) as i64),
        },
        Cmd::DbSize => number(out, b':', db.len() as i64),
        Cmd::FlushDb if argc == 1 || (argc == 2 && (req.is(1, "async") || req.is(1, "sync"))) => {
            db.flush();
            reply(out, b"+OK\r\n");
        }
        Cmd::FlushDb => syntax_error(out),
        Cmd::Quit => {
            reply(out, b"+OK\r\n");
            return Exec::Quit;
        }
        // Enough for redis-cli's start-up (`COMMAND DOCS`): no command docs.
        Cmd::Command if argc >= 2 && req.is(1, "count") => number(out, b':', COMMANDS.len() as i64),
        Cmd::Command => reply(out, b"*0\r\n"),
        // Enough for redis-benchmark's start-up (`CONFIG GET save`, `appendonly`).
        Cmd::Config if argc == 3 && req.is(1, "get") => {
            match ["save", "appendonly"].into_iter().position(|p| req.is(2, p)) {
                Some(0) => reply(out, b"*2\r\n$4\r\nsave\r\n$0\r\n\r\n"),
                Some(_) => reply(out, b"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"),
                None => reply(out, b"*0\r\n"),
            };
        }
        Cmd::Config => error(out, format_args!("unknown subcommand '{}'. Try CONFIG HELP.", lossy(req.arg(1)))),
        Cmd::Multi => transaction::multi(client, out),
        Cmd::Exec => return transaction::exec(db, client, out, now, resume),
        Cmd::Discard => transaction::discard(client, out),
        Cmd::Select => client::select(req, out),
        Cmd::Client => client::client(client, req, out),
        Cmd::Hello => client::hello(client, req, out),
        Cmd::Info => return info_sections::info(db, req, out, now),
        Cmd::Persist => keyspace::persist(db, req, out, now),
        Cmd::Append => append(db, req, out, now),
        Cmd::Strlen => number(out, b':', db.get(req.arg(1), now).map_or(0, |entry| entry.value.len() as i64)),
        Cmd::Type => keyspace::key_type(db, req, out, now),
        Cmd::Keys => return keyspace::keys(db, req, out, now),
        Cmd::Scan => return keyspace::scan(db, req, out, now),
    };
    Exec::Done
}

/// How far [`send`] got with a bulk reply.
#[derive(Debug)]
enum Sent {
    /// All of it is in the output.
    Done,
    /// Nothing: no room yet.
    Blocked,
    /// The `$len` line; the output's queue is full, so the value (handed
    /// back) and `\r\n` go after a flush.
    QueueFull(Bytes),
}

impl Sent {
    /// What the command returns if this bulk is its last; `resume` is where
    /// it goes on if this one did not fit.
    fn done(self, resume: Option<usize>) -> Exec {
        match self {
            Sent::Done => Exec::Done,
            Sent::Blocked => Exec::Blocked,
            Sent::QueueFull(value) => Exec::QueueFull(value, resume),
        }
    }
}

/// Writes a bulk reply of `value`: copied, if it is at most [`COPY_MAX`]
/// bytes and fits; else its `$len` line, the value queued (a clone of the
/// shared value, not a copy), and `\r\n`.
fn send(out: &mut Output<'_>, value: &Bytes) -> Sent {
    if value.len() <= COPY_MAX && out.remaining() >= bulk_room(value.len()) {
        bulk(out, value);
        return Sent::Done;
    }
    // Holds for an empty value too, which is never queued: it fits whenever this does.
    if out.remaining() < QUEUED_ROOM {
        return Sent::Blocked;
    }
    number(out, b'$', value.len() as i64);
    match out.queue(value.clone()) {
        Ok(()) => {
            out.push(b"\r\n");
            Sent::Done
        }
        Err(QueueFull(value)) => Sent::QueueFull(value),
    }
}

/// Replies with argument `i` (PING, ECHO), queued if it is large: a request
/// read into memory hands it over without a copy.
fn send_arg<R: Args + ?Sized>(out: &mut Output<'_>, req: &mut R, i: usize) -> Exec {
    let arg = req.arg(i);
    if arg.len() <= COPY_MAX && out.remaining() >= bulk_room(arg.len()) {
        bulk(out, arg);
        return Exec::Done;
    }
    if out.remaining() < QUEUED_ROOM {
        return Exec::Blocked; // before taking the argument: the command runs again
    }
    send(out, &req.value(i)).done(None)
}

/// `SET key value [NX|XX] [EX s|PX ms|KEEPTTL]`.
fn set<R: Args + ?Sized>(db: &mut Db, req: &mut R, out: &mut Output<'_>, now: u64) {
    let (mut ttl, mut nx, mut xx, mut ttl_given) = (Ttl::Clear, false, false, false);
    let mut i = 3;
    while i < req.len() {
        if req.is(i, "nx") && !xx {
            nx = true;
        } else if req.is(i, "xx") && !nx {
            xx = true;
        } else if req.is(i, "keepttl") && !ttl_given {
            (ttl, ttl_given) = (Ttl::Keep, true);
        } else if (req.is(i, "ex") || req.is(i, "px")) && !ttl_given && i + 1 < req.len() {
            let unit = if req.is(i, "ex") { 1000 } else { 1 };
            i += 1;
            let Some(n) = integer(req.arg(i)) else { return not_an_integer(out) };
            match n.checked_mul(unit).filter(|&ms| ms > 0).and_then(|ms| ms.checked_add(now as i64)) {
                Some(at) => (ttl, ttl_given) = (Ttl::At(at as u64), true),
                None => return error(out, format_args!("invalid expire time in 'set' command")),
            }
        } else {
            return syntax_error(out);
        }
        i += 1;
    }
    if (nx || xx) && db.get(req.arg(1), now).is_some() != xx {
        reply(out, b"$-1\r\n");
        return;
    }
    let value = req.value(2);
    db.set(req.arg(1), value, ttl);
    reply(out, b"+OK\r\n");
}

/// `APPEND key value`: the new length. The value grows in place when no
/// reply still shares it; its TTL stays.
fn append<R: Args + ?Sized>(db: &mut Db, req: &mut R, out: &mut Output<'_>, now: u64) {
    let max = db.max_value;
    if let Some(value) = db.value_mut(req.arg(1), now) {
        let tail = req.arg(2);
        let len = value.len() + tail.len();
        if len > max {
            return error(out, format_args!("string exceeds maximum allowed size (proto-max-bulk-len)"));
        }
        let mut joined = Vec::from(std::mem::take(value));
        joined.extend_from_slice(tail);
        *value = stored(joined);
        return number(out, b':', len as i64);
    }
    let value = req.value(2);
    let len = value.len();
    db.set(req.arg(1), value, Ttl::Clear);
    number(out, b':', len as i64);
}

/// `INCR`, `DECR`, `INCRBY`, `DECRBY` (`by` is `None` if it overflowed).
fn incr_by(db: &mut Db, key: &[u8], by: Option<i64>, out: &mut Output<'_>, now: u64) {
    let current = match db.get(key, now) {
        Some(entry) => match integer(&entry.value) {
            Some(n) => n,
            None => return not_an_integer(out),
        },
        None => 0,
    };
    let Some(next) = by.and_then(|by| current.checked_add(by)) else {
        return error(out, format_args!("increment or decrement would overflow"));
    };
    let mut digits = [0u8; 20];
    db.set(key, Bytes::copy_from_slice(decimal(next, &mut digits)), Ttl::Keep);
    number(out, b':', next);
}

/// `next` in decimal, written at the end of `buf`.
fn decimal(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// `MGET key...`: one bulk or nil per key, as many as fit per flush. Not
/// atomic across flushes (Redis' is): a key may change in between.
fn mget<R: Args + ?Sized>(db: &mut Db, req: &R, out: &mut Output<'_>, now: u64, resume: usize) -> Exec {
    let mut next = resume;
    if next == 0 {
        number(out, b'*', req.len() as i64 - 1);
        next = 1;
    }
    while next < req.len() {
        let sent = match db.get(req.arg(next), now) {
            Some(entry) => send(out, &entry.value),
            None if out.remaining() >= 5 => {
                reply(out, b"$-1\r\n");
                Sent::Done
            }
            None => Sent::Blocked,
        };
        match sent {
            Sent::Done => next += 1,
            Sent::Blocked => return Exec::Partial(next),
            Sent::QueueFull(value) => return Exec::QueueFull(value, Some(next + 1).filter(|&n| n < req.len())),
        }
    }
    Exec::Done
}

/// `EXPIRE key seconds [NX|XX|GT|LT]` and `PEXPIRE` (`unit` ms per unit).
fn expire<R: Args + ?Sized>(db: &mut Db, req: &R, out: &mut Output<'_>, now: u64, unit: i64, name: &str) {
    let Some(n) = integer(req.arg(2)) else { return not_an_integer(out) };
    let Some(at) = n.checked_mul(unit).and_then(|ms| ms.checked_add(now as i64)) else {
        return error(out, format_args!("invalid expire time in '{name}' command"));
    };
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for i in 3..req.len() {
        let flag = [("nx", &mut nx), ("xx", &mut xx), ("gt", &mut gt), ("lt", &mut lt)]
            .into_iter()
            .find_map(|(word, flag)| req.is(i, word).then_some(flag));
        match flag {
            Some(flag) => *flag = true,
            None => return error(out, format_args!("Unsupported option {}", lossy(req.arg(i)))),
        }
    }
    if nx && (xx || gt || lt) {
        return error(out, format_args!("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if gt && lt {
        return error(out, format_args!("GT and LT options at the same time are not compatible"));
    }
    let Ok(current) = db.expiry(req.arg(1), now) else { return number(out, b':', 0) };
    // No TTL counts as an infinite one for GT and LT.
    let allowed = match current {
        None => !xx && !gt,
        Some(old) => !nx && (!gt || at > old as i64) && (!lt || at < old as i64),
    };
    if !allowed {
        return number(out, b':', 0);
    }
    if at <= now as i64 {
        db.remove(req.arg(1));
    } else {
        db.expire_at(req.arg(1), at as u64, now);
    }
    number(out, b':', 1);
}

fn not_an_integer(out: &mut Output<'_>) {
    error(out, format_args!("value is not an integer or out of range"));
}

fn syntax_error(out: &mut Output<'_>) {
    error(out, format_args!("syntax error"));
}

/// At most 128 bytes of `bytes`, invalid UTF-8 replaced.
fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&bytes[..bytes.len().min(128)])
}

/// The arguments as Redis quotes them in an unknown command error:
/// `'a' 'b' `, about 128 bytes at most.
struct Preview<'a, R: ?Sized>(&'a R);

impl<R: Args + ?Sized> fmt::Display for Preview<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut used = 0;
        for i in 1..self.0.len() {
            if used >= 128 {
                break;
            }
            let arg = self.0.arg(i);
            let arg = &arg[..arg.len().min(128 - used)];
            write!(f, "'{}' ", String::from_utf8_lossy(arg))?;
            used += arg.len() + 3;
        }
        Ok(())
    }
}

/// Appends a fixed reply (room for it was checked).
fn reply(out: &mut Output<'_>, bytes: &'static [u8]) {
    out.push(bytes);
}
