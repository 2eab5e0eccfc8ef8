//! One direction of a relay: the bytes read from one socket and not yet
//! written to the other, in at most one pool chunk, and the pump that moves
//! them.

use std::io::{self, Read, Write};

use super::HalfClose;
use crate::buffers::{Buffers, NO_CHUNK};
use crate::machine::MachineError;
use crate::{EventSet, Poll};

/// The pool had no chunk when a side had bytes to read.
pub(super) const POOL_EXHAUSTED: MachineError = MachineError::new(io::ErrorKind::OutOfMemory, "buffer pool exhausted");

/// What is known of one socket's readiness (edge-triggered bookkeeping).
#[derive(Copy, Clone, Debug)]
pub(super) struct Side {
    /// Reading may return bytes: an event said so and no read since came
    /// up dry.
    pub(super) readable: bool,
    /// Writing may take bytes: no write since the last writable event was
    /// refused or came up short.
    pub(super) writable: bool,
    /// The peer hung up: read on until end of stream even after a short
    /// read (data and FIN can share one edge).
    hup: bool,
}

impl Side {
    /// A side not heard from yet: every operation is tried once, and
    /// `WouldBlock` tells what is not ready.
    pub(super) const UNKNOWN: Side = Side { readable: true, writable: true, hup: false };

    /// Notes a readiness event.
    #[inline]
    pub(super) fn note(&mut self, events: EventSet) {
        // An error is seen by the next read or write.
        let error = events.is_error();
        self.readable |= events.is_readable() || events.is_hup() || error;
        self.writable |= events.is_writable() || error;
        self.hup |= events.is_hup();
    }
}

/// One direction's bytes in flight: `chunk[start..end]`, or no chunk when
/// nothing is (an idle relay holds no memory).
#[derive(Copy, Clone, Debug)]
pub(super) struct Pipe {
    chunk: u32,
    start: u32,
    end: u32,
    /// The source side reached end of stream.
    pub(super) eof: bool,
    /// The destination's write side is shut down: this direction is over.
    pub(super) shut: bool,
}

impl Pipe {
    pub(super) const EMPTY: Pipe = Pipe { chunk: NO_CHUNK, start: 0, end: 0, eof: false, shut: false };

    /// Gives the chunk back, with whatever it held.
    #[inline]
    pub(super) fn release(&mut self, buffers: &mut Buffers) {
        if self.chunk != NO_CHUNK {
            buffers.chunks.give(self.chunk);
            self.chunk = NO_CHUNK;
        }
        self.start = 0;
        self.end = 0;
    }

    /// Moves bytes from `src` to `dst` until one of them would block, the
    /// chunk cannot be written out (backpressure: nothing more is read
    /// until `dst` takes it), or `src` ended and that end was passed on.
    ///
    /// A read happens only into an empty chunk, and what it read is written
    /// at once: one `read` and one `write` per message where both sides
    /// keep up. Where the backend's edge is re-armed only by `WouldBlock`
    /// ([`Poll::EDGE_NEEDS_WOULD_BLOCK`]), reads and writes go on until
    /// they return it.
    pub(super) fn pump<S: Read, D: Write + HalfClose>(
        &mut self,
        src: (&mut S, &mut Side),
        dst: (&mut D, &mut Side),
        buffers: &mut Buffers,
        owner: u32,
    ) -> Result<(), MachineError> {
        let ((src, from), (dst, to)) = (src, dst);
        loop {
            if self.end > self.start && !self.write(dst, to, buffers)? {
                return Ok(());
            }
            if self.eof {
                if !self.shut {
                    dst.shutdown_write()?;
                    self.shut = true;
                }
                return Ok(());
            }
            if !from.readable {
                return Ok(());
            }
            self.read(src, from, buffers, owner)?;
        }
    }

    /// Writes the buffered bytes; `true` once all are written (the chunk
    /// went back), `false` if `dst` would block first.
    #[inline]
    fn write<D: Write>(&mut self, dst: &mut D, to: &mut Side, buffers: &mut Buffers) -> io::Result<bool> {
        while to.writable {
            let data = buffers.chunks.pair_mut(self.chunk, NO_CHUNK).0;
            match dst.write(&data[self.start as usize..self.end as usize]) {
                Ok(n) => {
                    buffers.counters.bytes_written.add(n as u64);
                    self.start += n as u32;
                    if self.start == self.end {
                        self.release(buffers);
                        return Ok(true);
                    }
                    // A short write: the socket's buffer is full. An
                    // emulated edge needs the `WouldBlock` of one more.
                    to.writable = Poll::EDGE_NEEDS_WOULD_BLOCK && n > 0;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => to.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// One read into the empty chunk (taken from the pool for it, and
    /// given back if nothing came).
    #[inline]
    fn read<S: Read>(
        &mut self,
        src: &mut S,
        from: &mut Side,
        buffers: &mut Buffers,
        owner: u32,
    ) -> Result<(), MachineError> {
        if self.chunk == NO_CHUNK {
            self.chunk = buffers.chunks.take(owner).ok_or(POOL_EXHAUSTED)?;
        }
        let room = buffers.chunks.pair_mut(self.chunk, NO_CHUNK).0;
        let wanted = room.len();
        loop {
            match src.read(room) {
                Ok(0) => {
                    self.eof = true;
                    from.readable = false;
                    self.release(buffers);
                }
                Ok(n) => {
                    buffers.counters.bytes_read.add(n as u64);
                    self.end = n as u32;
                    // On epoll a short read proves the socket drained,
                    // unless the peer hung up (its FIN may be unread).
                    from.readable = n == wanted || from.hup || Poll::EDGE_NEEDS_WOULD_BLOCK;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    from.readable = false;
                    self.release(buffers);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.release(buffers);
                    return Err(e.into());
                }
            }
            return Ok(());
        }
    }
}
