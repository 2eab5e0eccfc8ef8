//! `Transport`: the protocol's view of its connection: input, output, socket.

use std::fmt;
use std::io;

use bytes::Bytes;

use crate::buffers::{QueueHead, Values, NO_CHUNK};

/// Where a connection's buffered bytes are: a pool chunk and the range in use.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Held {
    pub(crate) chunk: u32,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Held {
    pub(crate) const NONE: Held = Held { chunk: NO_CHUNK, start: 0, end: 0 };

    pub(crate) fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
}

/// The input a protocol consumes from: bytes read but not yet consumed.
pub struct Input<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) held: &'a mut Held,
}

impl Input<'_> {
    /// The unconsumed bytes.
    pub fn data(&self) -> &[u8] {
        &self.buf[self.held.start as usize..self.held.end as usize]
    }

    /// How many bytes are unconsumed.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.held.len() == 0
    }

    /// Drops the first `n` bytes (all of them if `n` is larger).
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.len()) as u32;
        self.held.start += n;
        if self.held.start == self.held.end {
            self.held.start = 0;
            self.held.end = 0;
        }
    }

    /// The buffer's capacity (the pool's chunk size).
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Input").field("len", &self.len()).finish()
    }
}

/// The output a protocol writes into; the stream writes it to the socket
/// once the protocol waits for input not yet buffered, or for a flush.
///
/// Two kinds of output, written in the order they were given:
/// - bytes copied into the connection's buffer ([`push`](Output::push),
///   [`extend`](Output::extend), `io::Write`), bounded by one chunk;
/// - values the protocol owns or shares ([`queue`](Output::queue)), written
///   from where they are, without a copy: a large reply, or one value sent
///   to many connections. At most
///   [`LoopConfig::queued_values`](crate::machine::LoopConfig::queued_values)
///   per connection; a full queue hands the value back.
pub struct Output<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) held: &'a mut Held,
    pub(crate) values: &'a mut Values,
    pub(crate) queue: &'a mut QueueHead,
    pub(crate) owner: u32,
}

/// [`Output::extend`] did not have room for the whole slice.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BufferFull;

impl fmt::Display for BufferFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output buffer full")
    }
}

impl std::error::Error for BufferFull {}

/// [`Output::queue`] could not take the value: the connection's queue is at
/// its bound, or every queue entry of the loop is taken. The value is handed
/// back; expect a flush and queue it again in `bytes_flushed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueFull(pub Bytes);

impl fmt::Display for QueueFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output queue full")
    }
}

impl std::error::Error for QueueFull {}

impl Output<'_> {
    /// Bytes waiting to be written: buffered and queued.
    pub fn len(&self) -> usize {
        let queued = if self.queue.is_empty() { 0 } else { self.values.queued_bytes(*self.queue) };
        self.held.len() + queued
    }

    /// Whether nothing waits to be written.
    pub fn is_empty(&self) -> bool {
        self.held.len() == 0 && self.queue.is_empty()
    }

    /// How many more bytes fit in the buffer.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.held.len()
    }

    /// How many values are queued.
    pub fn queued(&self) -> usize {
        if self.queue.is_empty() {
            0
        } else {
            self.values.len(*self.queue)
        }
    }

    /// Appends all of `data`, or nothing.
    ///
    /// # Errors
    ///
    /// [`BufferFull`] if it does not fit in [`remaining`](Output::remaining);
    /// expect a flush and write the rest in `bytes_flushed`, or
    /// [`queue`](Output::queue) it.
    pub fn extend(&mut self, data: &[u8]) -> Result<(), BufferFull> {
        if data.len() > self.remaining() {
            return Err(BufferFull);
        }
        self.push(data);
        Ok(())
    }

    /// Appends as much of `data` as fits in the buffer; returns how much.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.remaining());
        if self.held.end as usize + n > self.buf.len() {
            self.compact();
        }
        let end = self.held.end as usize;
        self.buf[end..end + n].copy_from_slice(&data[..n]);
        self.held.end += n as u32;
        n
    }

    /// Queues `value` to be written after everything pushed so far (and
    /// before anything pushed after), without copying it: a `Bytes` clone
    /// shares the stored value, so one value sent to many connections is in
    /// memory once. No allocation.
    ///
    /// # Errors
    ///
    /// [`QueueFull`], with the value, when this connection already queues
    /// its maximum or every entry of the loop's table is taken.
    ///
    /// # Examples
    ///
    /// A RESP bulk reply whose value is shared, not copied (no allocation:
    /// the header is formatted straight into the buffer):
    ///
    /// ```
    /// use std::io::Write;
    /// use mio_core::stream::{Bytes, Output, QueueFull};
    ///
    /// fn reply(output: &mut Output<'_>, value: &Bytes) -> Result<(), QueueFull> {
    ///     let _ = write!(output, "${}\r\n", value.len());
    ///     output.queue(value.clone())?;
    ///     let _ = output.extend(b"\r\n");
    ///     Ok(())
    /// }
    /// ```
    pub fn queue(&mut self, value: Bytes) -> Result<(), QueueFull> {
        self.values.push(self.queue, self.owner, value, self.held.len()).map_err(QueueFull)
    }

    /// Moves pending bytes to the front so the tail is free.
    fn compact(&mut self) {
        let (start, end) = (self.held.start as usize, self.held.end as usize);
        self.buf.copy_within(start..end, 0);
        self.held.start = 0;
        self.held.end = (end - start) as u32;
    }
}

impl io::Write for Output<'_> {
    /// Appends as much as fits; `Ok(0)` when full (so `write_all` fails with
    /// `WriteZero`).
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        Ok(self.push(data))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for Output<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output").field("buffered", &self.held.len()).field("queued", &self.queued()).finish()
    }
}

/// A protocol's connection during one callback: the buffered [`Input`], the
/// [`Output`] to write into, and the socket itself (for options and
/// addresses; reading and writing it directly bypasses the buffers).
pub struct Transport<'a, S> {
    pub(crate) socket: &'a mut S,
    pub(crate) input: Input<'a>,
    pub(crate) output: Output<'a>,
}

impl<S> fmt::Debug for Transport<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport").field("input", &self.input).field("output", &self.output).finish_non_exhaustive()
    }
}

impl<'a, S> Transport<'a, S> {
    /// The input buffer.
    pub fn input(&mut self) -> &mut Input<'a> {
        &mut self.input
    }

    /// The output buffer.
    pub fn output(&mut self) -> &mut Output<'a> {
        &mut self.output
    }

    /// Both buffers at once, e.g. to copy input to output.
    pub fn buffers(&mut self) -> (&mut Input<'a>, &mut Output<'a>) {
        (&mut self.input, &mut self.output)
    }

    /// The socket.
    pub fn socket(&mut self) -> &mut S {
        self.socket
    }
}
