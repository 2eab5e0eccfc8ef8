//! `Conn`: a connection's socket and bookkeeping, and `Io`, its view of the
//! loop's memory during one round, which does the reads and writes.

use std::io::{self, IoSlice, Read, Write};

use super::intent::{ExpectKind, PackedExpectation};
use super::transport::{Held, Input, Output};
use super::{Expectation, Limit, Transport};
use crate::buffers::{QueueHead, Values, MAX_SLICES};
use crate::counters::Counters;
use crate::machine::Scope;
use crate::{EventSet, Evented, Poll, PollOpt};

/// Everything of a connection but the protocol state. Kept within 64 bytes
/// beside a TCP socket on epoll (a benchmarked figure: idle memory per
/// connection).
#[derive(Debug)]
pub(super) struct Conn<S> {
    pub(super) socket: S,
    pub(super) expect: PackedExpectation,
    pub(super) input: Held,
    pub(super) output: Held,
    pub(super) queue: QueueHead,
    flags: u8,
}

/// Readable and not yet drained (edge-triggered bookkeeping).
pub(super) const READABLE: u8 = 1;
/// The last write was short: wait for a writable event.
pub(super) const WRITE_BLOCKED: u8 = 2;
/// The peer closed its side.
pub(super) const EOF: u8 = 4;
/// A hup was reported: read until end of stream even after a short read
/// (data and FIN can arrive in one edge).
pub(super) const HUP: u8 = 8;
/// Writable interest is registered.
pub(super) const WRITABLE_ARMED: u8 = 16;
/// The last round ended waiting: nothing buffered was due, after searching
/// every byte buffered then for a delimiter. The next readiness round starts
/// with IO and searches only what it reads (plus the delimiter's length less
/// one, for a delimiter split across reads), so a frame trickling in byte by
/// byte is not rescanned.
pub(super) const WAITING: u8 = 32;
/// An outbound connection is in progress: only writable interest is
/// registered, and the protocol has not been told yet (see
/// [`Connect`](super::Connect)). Checked only by `Connect`'s handlers, never
/// on the path of an established connection.
pub(super) const CONNECTING: u8 = 64;

impl<S> Conn<S> {
    pub(super) fn new(socket: S) -> Conn<S> {
        Conn {
            socket,
            expect: Expectation::Sleep.into(),
            input: Held::NONE,
            output: Held::NONE,
            queue: QueueHead::EMPTY,
            flags: READABLE,
        }
    }

    /// A connection whose `connect` is in progress: nothing is readable
    /// until it completes.
    pub(super) fn connecting(socket: S) -> Conn<S> {
        Conn { flags: CONNECTING, ..Conn::new(socket) }
    }

    #[inline]
    pub(super) fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    #[inline]
    pub(super) fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// Whether output waits to be written (buffered or queued).
    #[inline]
    pub(super) fn has_output(&self) -> bool {
        self.output.len() > 0 || !self.queue.is_empty()
    }

    /// Notes a readiness event.
    pub(super) fn note(&mut self, events: EventSet) {
        if events.is_readable() || events.is_hup() || events.is_error() {
            self.set(READABLE, true);
        }
        if events.is_hup() {
            self.set(HUP, true);
        }
        if events.is_writable() || events.is_error() {
            self.set(WRITE_BLOCKED, false);
        }
    }
}

/// Which protocol callback is due.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Due {
    Read(usize),
    Flushed,
    Eof,
    Limit(Limit),
}

/// A connection and the loop's memory during one round: the chunks are
/// looked up once, when the round starts, and stay put until it ends.
pub(super) struct Io<'r, S> {
    pub(super) conn: &'r mut Conn<S>,
    pub(super) input: &'r mut [u8],
    pub(super) output: &'r mut [u8],
    pub(super) values: &'r mut Values,
    pub(super) owner: u32,
    pub(super) counters: &'r Counters,
}

impl<S: Read + Write + Evented> Io<'_, S> {
    /// The protocol's view, for one callback.
    #[inline]
    pub(super) fn transport(&mut self) -> Transport<'_, S> {
        let conn = &mut *self.conn;
        Transport {
            socket: &mut conn.socket,
            input: Input { buf: self.input, held: &mut conn.input },
            output: Output {
                buf: self.output,
                held: &mut conn.output,
                values: self.values,
                queue: &mut conn.queue,
                owner: self.owner,
            },
        }
    }

    /// Which callback the buffered state calls for, if any. `searched`: how
    /// many bytes at the front of the input are known to hold no delimiter
    /// of the current expectation; set to all of them when nothing is due.
    #[inline]
    pub(super) fn due(&self, searched: &mut usize) -> Option<Due> {
        let conn = &*self.conn;
        let expect = conn.expect;
        let len = conn.input.len();
        let due = match expect.kind {
            ExpectKind::Bytes => bytes_due(expect.n as usize, len, self.input.len()),
            ExpectKind::Chunk if len > 0 || expect.n == 0 => Some(Due::Read(len.min(expect.n as usize))),
            ExpectKind::Delimiter => {
                let data = &self.input[conn.input.start as usize..conn.input.end as usize];
                delimiter_due(expect, data, *searched, self.input.len())
            }
            ExpectKind::Flush if !conn.has_output() => Some(Due::Flushed),
            _ => None,
        };
        if due.is_some() {
            return due;
        }
        *searched = len;
        if conn.is(EOF) && expect.reads() {
            return Some(Due::Eof);
        }
        None
    }

    /// Whether a write could make progress now.
    #[inline]
    pub(super) fn can_write(&self) -> bool {
        self.conn.has_output() && !self.conn.is(WRITE_BLOCKED)
    }

    /// Whether a read could make progress now.
    #[inline]
    pub(super) fn can_read(&self) -> bool {
        self.conn.flags & (READABLE | EOF) == READABLE && self.conn.input.len() < self.input.len()
    }

    /// One `read` into the free tail of the input buffer (reads on until
    /// `WouldBlock` where the backend's edge needs it, see
    /// [`Poll::EDGE_NEEDS_WOULD_BLOCK`]).
    pub(super) fn read(&mut self) -> io::Result<()> {
        let conn = &mut *self.conn;
        let held = &mut conn.input;
        if held.start > 0 {
            self.input.copy_within(held.start as usize..held.end as usize, 0);
            held.end -= held.start;
            held.start = 0;
        }
        loop {
            let room = &mut self.input[held.end as usize..];
            let wanted = room.len();
            match conn.socket.read(room) {
                Ok(0) => {
                    conn.flags = (conn.flags | EOF) & !READABLE;
                    return Ok(());
                }
                Ok(n) => {
                    self.counters.bytes_read.add(n as u64);
                    held.end += n as u32;
                    let full = n == wanted;
                    if !full && Poll::EDGE_NEEDS_WOULD_BLOCK {
                        // An emulated edge is re-armed only by `WouldBlock`,
                        // so a short read does not prove the socket drained.
                        continue;
                    }
                    let more = full || conn.is(HUP);
                    conn.set(READABLE, more);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    conn.set(READABLE, false);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// One `write` of the pending output: the buffer alone, or gathered with
    /// the queued values (writes on until `WouldBlock` where the backend's
    /// edge needs it).
    pub(super) fn write(&mut self) -> io::Result<()> {
        loop {
            let written = if self.conn.queue.is_empty() { self.write_buffered() } else { self.write_gathered() };
            match written {
                Ok(true) => continue,
                Ok(false) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.conn.set(WRITE_BLOCKED, true);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes the buffer; `Ok(true)` to write again at once.
    #[inline]
    fn write_buffered(&mut self) -> io::Result<bool> {
        let conn = &mut *self.conn;
        let held = &mut conn.output;
        let n = conn.socket.write(&self.output[held.start as usize..held.end as usize])?;
        held.start += n as u32;
        Ok(self.after_write(n))
    }

    /// Writes the buffer and the queued values in one gathered write.
    fn write_gathered(&mut self) -> io::Result<bool> {
        let conn = &mut *self.conn;
        let held = &mut conn.output;
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = self.values.gather(conn.queue, &self.output[held.start as usize..held.end as usize], &mut slices);
        let n = conn.socket.write_vectored(&slices[..count])?;
        held.start += self.values.consume(&mut conn.queue, n) as u32;
        Ok(self.after_write(n))
    }

    /// Bookkeeping after a write of `n` bytes: whether to write again.
    #[inline]
    fn after_write(&mut self, n: usize) -> bool {
        self.counters.bytes_written.add(n as u64);
        let conn = &mut *self.conn;
        if conn.output.len() == 0 {
            conn.output.start = 0;
            conn.output.end = 0;
        }
        if !conn.has_output() {
            return false;
        }
        if n > 0 && Poll::EDGE_NEEDS_WOULD_BLOCK {
            // As in `read`: only `WouldBlock` re-arms an emulated edge.
            return true;
        }
        conn.set(WRITE_BLOCKED, true);
        false
    }

    /// Registers or drops writable interest to match pending output.
    pub(super) fn arm<C>(&mut self, scope: &mut Scope<'_, C>) -> io::Result<()> {
        let conn = &mut *self.conn;
        let want = conn.has_output();
        if want != conn.is(WRITABLE_ARMED) {
            let interest = if want { EventSet::readable() | EventSet::writable() } else { EventSet::readable() };
            scope.reregister(&conn.socket, interest, PollOpt::edge())?;
            conn.set(WRITABLE_ARMED, want);
        }
        Ok(())
    }
}

/// `Bytes(n)` over `len` buffered bytes in a buffer of `capacity`.
#[inline]
pub(super) fn bytes_due(n: usize, len: usize, capacity: usize) -> Option<Due> {
    if n > capacity {
        Some(Due::Limit(Limit::BufferSize { wanted: n, capacity }))
    } else if len >= n {
        Some(Due::Read(n))
    } else {
        None
    }
}

/// A delimiter expectation over `data`, the first `searched` bytes of which
/// are known to hold none.
pub(super) fn delimiter_due(expect: PackedExpectation, data: &[u8], searched: usize, capacity: usize) -> Option<Due> {
    let (delimiter, max) = (expect.delimiter, expect.n as usize);
    let bound = max.min(capacity);
    let window = &data[..data.len().min(bound)];
    // A delimiter may begin in the last `len - 1` searched bytes.
    let from = match delimiter.len() {
        0 => 0,
        len => searched.saturating_sub(len - 1).min(window.len()),
    };
    match find(delimiter, &window[from..]) {
        Some(end) => Some(Due::Read(from + end)),
        None if data.len() >= bound => Some(Due::Limit(Limit::Delimiter { max })),
        None => None,
    }
}

/// Finds `delimiter` in `data`; returns the index just past it. `memchr`
/// finds each candidate first byte (SIMD where the CPU has it); only there
/// is the rest compared.
pub(super) fn find(delimiter: &[u8], data: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = delimiter.split_first() else { return Some(0) };
    let mut from = 0;
    while let Some(i) = memchr::memchr(first, &data[from..]) {
        let at = from + i;
        if data[at + 1..].starts_with(rest) {
            return Some(at + delimiter.len());
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;
