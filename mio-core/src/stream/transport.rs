//! `Transport`: the protocol's view of its connection: input, output, socket.

use std::fmt;
use std::io;

use super::buffer_pool::NO_CHUNK;

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
/// Bounded: it never grows past one chunk.
pub struct Output<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) held: &'a mut Held,
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

impl Output<'_> {
    /// Bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing waits to be written.
    pub fn is_empty(&self) -> bool {
        self.held.len() == 0
    }

    /// How many more bytes fit.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.held.len()
    }

    /// Appends all of `data`, or nothing.
    ///
    /// # Errors
    ///
    /// [`BufferFull`] if it does not fit in [`remaining`](Output::remaining);
    /// expect a flush and write the rest in `bytes_flushed`.
    pub fn extend(&mut self, data: &[u8]) -> Result<(), BufferFull> {
        if data.len() > self.remaining() {
            return Err(BufferFull);
        }
        self.push(data);
        Ok(())
    }

    /// Appends as much of `data` as fits; returns how much.
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
        f.debug_struct("Output").field("len", &self.len()).finish()
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
