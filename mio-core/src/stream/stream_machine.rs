//! `Stream<P>`: the machine that drives a `Protocol` over a stream socket.

use std::io::{self, Read, Write};
use std::mem;
use std::time::Instant;

use super::buffer_pool::{BufferPool, NO_CHUNK};
use super::intent::{IntentKind, PackedExpectation};
use super::transport::{Held, Input, Output};
use super::{Expectation, Intent, Limit, Protocol, Transport};
use crate::machine::{Created, Machine, MachineError, Response, Scope};
use crate::sys::EDGE_NEEDS_WOULD_BLOCK;
use crate::{EventSet, PollOpt};

/// How many callbacks in a row may leave input, output, expectation and
/// end-of-stream unchanged before the stream gives up on the protocol (a
/// protocol bug that would otherwise spin).
const MAX_IDLE_CALLBACKS: u32 = 2;

const NO_PROGRESS: MachineError = MachineError::new(io::ErrorKind::Other, "protocol made no progress");
const POOL_EXHAUSTED: MachineError = MachineError::new(io::ErrorKind::OutOfMemory, "buffer pool exhausted");

/// A connection: a stream socket, its buffers and a [`Protocol`] state.
///
/// Reads happen when the socket is readable and there is room; a read
/// shorter than the room means the socket is drained, so the stream does not
/// read again until the next readiness event (one `read` per message). On the
/// portable poll(2) backend, whose emulated edge is re-armed only by
/// `WouldBlock`, reads and writes go on until `WouldBlock` instead. Output
/// is written as soon as the protocol waits for something not yet buffered
/// (so replies to pipelined frames leave in one `write`); the socket's
/// writable interest is armed only while output is pending. Buffers come from the loop's pool
/// (see [`LoopConfig::buffers`](crate::machine::LoopConfig::buffers)) and go
/// back as soon as they are empty, so an idle connection holds none.
///
/// Its seed is the socket: `Stream<P>` plugs into
/// [`Accept`](crate::machine::Accept) for any listener whose connections are
/// `P::Socket`.
#[derive(Debug)]
pub struct Stream<P: Protocol> {
    conn: Conn<P::Socket>,
    protocol: P,
}

/// Everything of a connection but the protocol state.
#[derive(Debug)]
struct Conn<S> {
    socket: S,
    expect: PackedExpectation,
    input: Held,
    output: Held,
    /// Readable and not yet drained (edge-triggered bookkeeping).
    readable: bool,
    /// The last write was short: wait for a writable event.
    write_blocked: bool,
    /// The peer closed its side.
    eof: bool,
    /// A hup was reported: read until end of stream even after a short read
    /// (data and FIN can arrive in one edge).
    hup: bool,
    /// Writable interest is registered.
    writable_armed: bool,
    /// The last round ended waiting for its delimiter after searching every
    /// byte buffered then: the next round searches only what it reads (plus
    /// the delimiter's length less one, for a delimiter split across reads),
    /// so a frame trickling in byte by byte is not rescanned from its start
    /// on every read.
    input_searched: bool,
}

/// What starts a round of driving.
enum Start<P> {
    Create,
    Ready(P, EventSet),
    Timeout(P),
    Wakeup(P),
}

/// How a round ended.
enum Outcome<P> {
    /// Keep the connection, with what happened to its deadline.
    Keep(P, DeadlineChange),
    Close,
    Fail(MachineError),
}

/// What the intents of one round did to the deadline.
#[derive(Copy, Clone)]
enum DeadlineChange {
    Unchanged,
    Clear,
    At(Instant),
}

/// Which protocol callback is due.
enum Due {
    Read(usize),
    Flushed,
    Eof,
    Limit(Limit),
}

impl<P: Protocol> Machine for Stream<P> {
    type Context = P::Context;
    type Seed = P::Socket;

    fn create(socket: P::Socket, scope: &mut Scope<'_, P::Context>) -> Created<Self> {
        if let Err(e) = scope.register(&socket, EventSet::readable(), PollOpt::edge()) {
            return Created::error(e.into());
        }
        let mut conn = Conn::new(socket);
        match drive(&mut conn, Start::Create, scope) {
            Outcome::Keep(protocol, DeadlineChange::At(at)) => Created::keep(Stream { conn, protocol }).deadline(at),
            Outcome::Keep(protocol, _) => Created::ok(Stream { conn, protocol }),
            Outcome::Close => Created::error(MachineError::new(io::ErrorKind::Other, "protocol closed at create")),
            Outcome::Fail(e) => Created::error(e),
        }
    }

    fn ready(self, events: EventSet, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Ready(protocol, events), scope)
    }

    fn timeout(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Timeout(protocol), scope)
    }

    fn wakeup(self, scope: &mut Scope<'_, P::Context>) -> Response<Self, P::Socket> {
        let Stream { conn, protocol } = self;
        resume(conn, Start::Wakeup(protocol), scope)
    }
}

fn resume<P: Protocol>(
    mut conn: Conn<P::Socket>,
    start: Start<P>,
    scope: &mut Scope<'_, P::Context>,
) -> Response<Stream<P>, P::Socket> {
    match drive(&mut conn, start, scope) {
        Outcome::Keep(protocol, DeadlineChange::At(at)) => Response::keep(Stream { conn, protocol }).deadline(at),
        Outcome::Keep(protocol, DeadlineChange::Clear) => Response::ok(Stream { conn, protocol }),
        Outcome::Keep(protocol, DeadlineChange::Unchanged) => Response::unchanged(Stream { conn, protocol }),
        Outcome::Close => Response::done(),
        Outcome::Fail(e) => Response::error(e),
    }
}

impl<S: Read + Write + crate::Evented> Conn<S> {
    fn new(socket: S) -> Conn<S> {
        Conn {
            socket,
            expect: Expectation::Sleep.into(),
            input: Held::NONE,
            output: Held::NONE,
            readable: true,
            write_blocked: false,
            eof: false,
            hup: false,
            writable_armed: false,
            input_searched: false,
        }
    }

    fn transport<'a>(&'a mut self, pool: &'a mut BufferPool) -> Transport<'a, S> {
        let (ibuf, obuf) = pool.pair_mut(self.input.chunk, self.output.chunk);
        Transport {
            socket: &mut self.socket,
            input: Input { buf: ibuf, held: &mut self.input },
            output: Output { buf: obuf, held: &mut self.output },
        }
    }

    /// One `read` into the free tail of the input buffer.
    fn read_once(&mut self, pool: &mut BufferPool) -> io::Result<()> {
        let (buf, _) = pool.pair_mut(self.input.chunk, NO_CHUNK);
        let held = &mut self.input;
        if held.start > 0 {
            buf.copy_within(held.start as usize..held.end as usize, 0);
            held.end -= held.start;
            held.start = 0;
        }
        let mut room = &mut buf[held.end as usize..];
        if room.is_empty() {
            return Ok(());
        }
        loop {
            return match self.socket.read(room) {
                Ok(0) => {
                    self.eof = true;
                    self.readable = false;
                    Ok(())
                }
                Ok(n) if n < room.len() && EDGE_NEEDS_WOULD_BLOCK => {
                    // An emulated edge is re-armed only by `WouldBlock`, so a
                    // short read does not prove the socket drained: read on.
                    held.end += n as u32;
                    room = &mut mem::take(&mut room)[n..];
                    continue;
                }
                Ok(n) => {
                    held.end += n as u32;
                    self.readable = n == room.len() || self.hup;
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }

    /// One `write` of the pending output.
    fn write_once(&mut self, pool: &mut BufferPool) -> io::Result<()> {
        let (_, buf) = pool.pair_mut(NO_CHUNK, self.output.chunk);
        let held = &mut self.output;
        loop {
            return match self.socket.write(&buf[held.start as usize..held.end as usize]) {
                Ok(n) if n > 0 && held.start + (n as u32) < held.end && EDGE_NEEDS_WOULD_BLOCK => {
                    // As in `read_once`: only `WouldBlock` re-arms an emulated
                    // edge, so write on until it or the end of the output.
                    held.start += n as u32;
                    continue;
                }
                Ok(n) => {
                    held.start += n as u32;
                    if held.start == held.end {
                        *held = Held { chunk: held.chunk, start: 0, end: 0 };
                    } else {
                        self.write_blocked = true;
                    }
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.write_blocked = true;
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }

    /// Registers or drops writable interest to match pending output.
    fn arm<C>(&mut self, scope: &mut Scope<'_, C>) -> io::Result<()> {
        let want = self.output.len() > 0;
        if want != self.writable_armed {
            let interest = if want { EventSet::readable() | EventSet::writable() } else { EventSet::readable() };
            scope.reregister(&self.socket, interest, PollOpt::edge())?;
            self.writable_armed = want;
        }
        Ok(())
    }
}

/// Which callback the state calls for, if any. `searched`: how many bytes
/// at the front of `input` are known to hold no delimiter of the current
/// expectation (0 when unknown).
fn due(
    expect: Expectation,
    input: &[u8],
    searched: usize,
    output_len: usize,
    eof: bool,
    capacity: usize,
) -> Option<Due> {
    let due = match expect {
        Expectation::Bytes(n) if n > capacity => Some(Due::Limit(Limit::BufferSize { wanted: n, capacity })),
        Expectation::Bytes(n) if input.len() >= n => Some(Due::Read(n)),
        Expectation::Delimiter { delimiter, max } => {
            let bound = max.min(capacity);
            let window = &input[..input.len().min(bound)];
            // A delimiter may begin in the last `len - 1` searched bytes.
            let from = match delimiter.len() {
                0 => 0,
                len => searched.saturating_sub(len - 1).min(window.len()),
            };
            match find(delimiter, &window[from..]) {
                Some(end) => Some(Due::Read(from + end)),
                None if input.len() >= bound => Some(Due::Limit(Limit::Delimiter { max })),
                None => None,
            }
        }
        Expectation::Flush if output_len == 0 => Some(Due::Flushed),
        _ => None,
    };
    let reading = matches!(expect, Expectation::Bytes(_) | Expectation::Delimiter { .. });
    due.or(if reading && eof { Some(Due::Eof) } else { None })
}

/// Finds `delimiter` in `data`; returns the index just past it.
fn find(delimiter: &[u8], data: &[u8]) -> Option<usize> {
    // Scans for the first byte, comparing the rest only there: a
    // `windows().position(w == delimiter)` calls memcmp at every offset.
    let Some((&first, rest)) = delimiter.split_first() else { return Some(0) };
    let mut from = 0;
    while let Some(i) = data[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if data[at + 1..].starts_with(rest) {
            return Some(at + delimiter.len());
        }
        from = at + 1;
    }
    None
}

/// Runs IO and protocol callbacks until the protocol waits for something
/// that has not happened.
fn drive<P: Protocol>(conn: &mut Conn<P::Socket>, start: Start<P>, scope: &mut Scope<'_, P::Context>) -> Outcome<P> {
    let mut pool = mem::take(&mut scope.core.pool);
    let outcome = drive_with(conn, start, scope, &mut pool);
    release(&mut conn.input, &mut pool);
    release(&mut conn.output, &mut pool);
    scope.core.pool = pool;
    outcome
}

fn release(held: &mut Held, pool: &mut BufferPool) {
    if held.chunk != NO_CHUNK && held.len() == 0 {
        pool.give(held.chunk);
        *held = Held::NONE;
    }
}

fn acquire(held: &mut Held, pool: &mut BufferPool) -> bool {
    if held.chunk == NO_CHUNK {
        match pool.take() {
            Some(chunk) => held.chunk = chunk,
            None => return false,
        }
    }
    true
}

/// The loop of one round: apply the intent, do IO, call the protocol again
/// while its expectation is met.
fn drive_with<P: Protocol>(
    conn: &mut Conn<P::Socket>,
    start: Start<P>,
    scope: &mut Scope<'_, P::Context>,
    pool: &mut BufferPool,
) -> Outcome<P> {
    let capacity = pool.chunk_size();
    let have_buffers = acquire(&mut conn.input, pool) & acquire(&mut conn.output, pool);
    // What is known to hold no delimiter: after a round that ended waiting
    // for one, everything buffered, unless a callback runs (it may consume
    // input or change the expectation). Only readiness resumes without one.
    let mut searched = match start {
        Start::Ready(..) if conn.input_searched => conn.input.len(),
        _ => 0,
    };
    conn.input_searched = false;
    let mut intent = match start {
        Start::Create if !have_buffers => return Outcome::Fail(POOL_EXHAUSTED),
        Start::Create => P::create(&mut conn.transport(pool), scope),
        Start::Ready(p, events) => {
            if events.is_readable() || events.is_hup() || events.is_error() {
                conn.readable = true;
            }
            conn.hup |= events.is_hup();
            if events.is_writable() || events.is_error() {
                conn.write_blocked = false;
            }
            Intent(IntentKind::Unchanged(p, None))
        }
        Start::Timeout(p) => p.timeout(&mut conn.transport(pool), scope),
        Start::Wakeup(p) => p.wakeup(&mut conn.transport(pool), scope),
    };
    let mut deadline = DeadlineChange::Unchanged;
    let mut exhaustion_reported = false;
    let mut idle = 0;
    loop {
        let p = match intent.0 {
            IntentKind::Expect(p, expect, at) => {
                conn.expect = expect.into();
                deadline = at.map_or(DeadlineChange::Clear, DeadlineChange::At);
                p
            }
            IntentKind::Unchanged(p, at) => {
                if let Some(at) = at {
                    deadline = DeadlineChange::At(at);
                }
                p
            }
            IntentKind::Done => {
                if conn.output.len() > 0 && !conn.write_blocked {
                    let _ = conn.write_once(pool);
                }
                return Outcome::Close;
            }
            IntentKind::Error(e) => return Outcome::Fail(e),
        };
        if !have_buffers {
            if exhaustion_reported {
                return Outcome::Keep(p, deadline);
            }
            exhaustion_reported = true;
            intent = p.limit_exceeded(&mut conn.transport(pool), Limit::PoolExhausted, scope);
            searched = 0;
            continue;
        }
        // A callback due from what is already buffered runs before any IO,
        // so the replies to pipelined frames leave in one write: output is
        // written once the protocol waits for something not buffered yet.
        let (input, _) = pool.pair_mut(conn.input.chunk, NO_CHUNK);
        let data = &input[conn.input.start as usize..conn.input.end as usize];
        let buffered = due(conn.expect.get(), data, searched, conn.output.len(), conn.eof, capacity);
        if buffered.is_none() {
            searched = data.len();
        }
        if buffered.is_none() && conn.output.len() > 0 && !conn.write_blocked {
            if let Err(e) = conn.write_once(pool) {
                p.error(e.into(), scope);
                return Outcome::Close;
            }
        }
        // Read while the socket may hold more and nothing is due yet: one
        // read when it comes up short, more after a hup (data and FIN can
        // share one edge).
        let next = if buffered.is_some() {
            buffered
        } else {
            loop {
                let can_read = conn.readable && !conn.eof && conn.input.len() < capacity;
                if can_read {
                    if let Err(e) = conn.read_once(pool) {
                        p.error(e.into(), scope);
                        return Outcome::Close;
                    }
                }
                let (input, _) = pool.pair_mut(conn.input.chunk, NO_CHUNK);
                let data = &input[conn.input.start as usize..conn.input.end as usize];
                let next = due(conn.expect.get(), data, searched, conn.output.len(), conn.eof, capacity);
                if next.is_none() {
                    searched = data.len();
                }
                if next.is_some() || !can_read || !conn.readable || conn.eof || conn.input.len() >= capacity {
                    break next;
                }
            }
        };
        let Some(next) = next else {
            if let Err(e) = conn.arm(scope) {
                p.error(e.into(), scope);
                return Outcome::Close;
            }
            conn.input_searched = true;
            return Outcome::Keep(p, deadline);
        };
        let before = (conn.input.len(), conn.output.len(), conn.expect);
        let transport = &mut conn.transport(pool);
        intent = match next {
            Due::Read(end) => p.bytes_read(transport, end, scope),
            Due::Flushed => p.bytes_flushed(transport, scope),
            Due::Eof => p.end_of_stream(transport, scope),
            Due::Limit(limit) => p.limit_exceeded(transport, limit, scope),
        };
        searched = 0;
        let same_expect = match &intent.0 {
            IntentKind::Expect(_, e, _) => PackedExpectation::from(*e) == before.2,
            IntentKind::Unchanged(..) => true,
            IntentKind::Done | IntentKind::Error(_) => false,
        };
        if same_expect && (conn.input.len(), conn.output.len()) == (before.0, before.1) {
            idle += 1;
            if idle >= MAX_IDLE_CALLBACKS {
                return Outcome::Fail(NO_PROGRESS);
            }
        } else {
            idle = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{due, find, Conn, Due, Expectation};

    /// Idle memory per connection is a benchmarked figure (README): on the
    /// epoll backend the bookkeeping of a TCP connection, socket included,
    /// stays within one cache line.
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mio_force_poll)))]
    #[test]
    fn a_tcp_connection_keeps_its_state_in_64_bytes() {
        assert!(std::mem::size_of::<Conn<crate::tcp::TcpStream>>() <= 64);
    }

    /// On every backend, what a connection keeps beside its socket fits in
    /// 56 bytes (the poll(2) backend's sockets carry their registration).
    #[test]
    fn a_connection_keeps_at_most_56_bytes_beside_its_socket() {
        let socket = std::mem::size_of::<crate::tcp::TcpStream>();
        assert!(std::mem::size_of::<Conn<crate::tcp::TcpStream>>() <= socket + 56);
    }

    const LINE: Expectation = Expectation::Delimiter { delimiter: b"\r\n", max: 64 };

    fn read_end(d: Option<Due>) -> Option<usize> {
        match d {
            Some(Due::Read(end)) => Some(end),
            _ => None,
        }
    }

    #[test]
    fn find_returns_the_index_past_the_delimiter() {
        assert_eq!(find(b"\r\n", b"ab\r\ncd\r\n"), Some(4));
        assert_eq!(find(b"\r\n", b"ab\r"), None);
        assert_eq!(find(b"", b"ab"), Some(0));
    }

    #[test]
    fn a_search_resumes_where_the_last_one_stopped() {
        // "hello\r" was searched; "\n" arrived: the delimiter straddles the two.
        assert_eq!(read_end(due(LINE, b"hello\r\n", 6, 0, false, 1024)), Some(7));
        // Nothing searched: found from the start.
        assert_eq!(read_end(due(LINE, b"a\r\nb\r\n", 0, 0, false, 1024)), Some(3));
        // The first 4 bytes are known clean (a stale claim here, on purpose):
        // the search starts at byte 3, so it finds the second delimiter.
        assert_eq!(read_end(due(LINE, b"a\r\nb\r\n", 5, 0, false, 1024)), Some(6));
        // A claim beyond the data is clamped.
        assert!(due(LINE, b"abc", 99, 0, false, 1024).is_none());
    }

    #[test]
    fn an_empty_delimiter_is_due_at_once_whatever_was_searched() {
        let empty = Expectation::Delimiter { delimiter: b"", max: 64 };
        assert_eq!(read_end(due(empty, b"abc", 0, 0, false, 1024)), Some(0));
        assert_eq!(read_end(due(empty, b"abc", 2, 0, false, 1024)), Some(0));
    }
}
