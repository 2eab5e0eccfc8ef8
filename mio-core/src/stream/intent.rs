//! `Intent`: what a protocol expects next.

use std::time::Instant;

use crate::machine::MachineError;

/// What a [`Protocol`](super::Protocol) waits for next.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// At least `n` bytes of input; `bytes_read` gets `end == n`. More than
    /// a buffer holds: `limit_exceeded` with [`Limit::BufferSize`](super::Limit::BufferSize)
    /// (take such a frame in pieces with [`Chunk`](Expectation::Chunk)).
    Bytes(usize),
    /// Some input, at most `n` bytes: `bytes_read` as soon as any is
    /// buffered, with `end` the smaller of what is buffered and `n`. How a
    /// frame larger than a buffer is taken in pieces: consume the piece,
    /// then expect the rest (`Chunk(n - end)`). `Chunk(0)` is due at once
    /// with `end == 0`.
    Chunk(usize),
    /// Input up to and including `delimiter`, found within the first `max`
    /// bytes; `bytes_read` gets `end` just past the delimiter. Not found
    /// within `max` bytes (or the buffer size, if smaller): `limit_exceeded`.
    Delimiter {
        /// The bytes that end a frame, e.g. `b"\r\n"`.
        delimiter: &'static [u8],
        /// The longest frame accepted, delimiter included.
        max: usize,
    },
    /// All output written to the socket; then `bytes_flushed`.
    Flush,
    /// Nothing: only a deadline or a wake-up calls the protocol again.
    Sleep,
}

/// What a protocol callback returns: the protocol's next state with an
/// expectation (and an optional deadline), or the end of the connection.
///
/// Built as `Intent::of(state)[.deadline(t)].expect_...()`. A deadline is set
/// on the builder, so `Intent::done()` has none — `Intent::done().deadline(t)`
/// does not compile. Every intent sets the deadline anew: leaving it out
/// clears it, except [`IntentBuilder::unchanged`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use mio_core::stream::{Expectation, Intent};
///
/// struct Line;
/// let i = Intent::of(Line).deadline(Instant::now() + Duration::from_secs(30)).expect_delimiter(b"\n", 1024);
/// assert_eq!(i.expectation(), Some(Expectation::Delimiter { delimiter: b"\n", max: 1024 }));
/// let done: Intent<Line> = Intent::done();
/// assert!(done.expectation().is_none());
/// ```
#[must_use = "an intent tells the stream what to wait for"]
#[derive(Debug)]
pub struct Intent<P>(pub(crate) IntentKind<P>);

#[derive(Debug)]
pub(crate) enum IntentKind<P> {
    Expect(P, Expectation, Option<Instant>),
    Unchanged(P, Option<Instant>),
    Done,
    Error(MachineError),
}

impl<P> Intent<P> {
    /// Starts an intent that keeps the connection in state `protocol`.
    pub fn of(protocol: P) -> IntentBuilder<P> {
        IntentBuilder { protocol, deadline: None }
    }

    /// Closes the connection (after one last attempt to write pending
    /// output; to be sure all output is written, expect `flush` first).
    pub fn done() -> Intent<P> {
        Intent(IntentKind::Done)
    }

    /// Closes the connection because of `error`, reported to the loop's error
    /// hook.
    pub fn error(error: MachineError) -> Intent<P> {
        Intent(IntentKind::Error(error))
    }

    /// The expectation, if this intent sets one.
    pub fn expectation(&self) -> Option<Expectation> {
        match self.0 {
            IntentKind::Expect(_, e, _) => Some(e),
            _ => None,
        }
    }

    /// Converts the protocol state type (used by generated protocol code).
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> Intent<Q> {
        Intent(match self.0 {
            IntentKind::Expect(p, e, d) => IntentKind::Expect(f(p), e, d),
            IntentKind::Unchanged(p, d) => IntentKind::Unchanged(f(p), d),
            IntentKind::Done => IntentKind::Done,
            IntentKind::Error(e) => IntentKind::Error(e),
        })
    }
}

/// An intent being built: optionally set a deadline, then say what to expect.
#[must_use = "finish the intent with expect_bytes, expect_delimiter, expect_flush, sleep or unchanged"]
#[derive(Debug)]
pub struct IntentBuilder<P> {
    protocol: P,
    deadline: Option<Instant>,
}

impl<P> IntentBuilder<P> {
    /// Calls [`Protocol::timeout`](super::Protocol::timeout) at `at` unless
    /// the expectation is met first and the next intent changes it.
    pub fn deadline(mut self, at: Instant) -> IntentBuilder<P> {
        self.deadline = Some(at);
        self
    }

    /// Waits for `n` bytes of input.
    pub fn expect_bytes(self, n: usize) -> Intent<P> {
        self.expect(Expectation::Bytes(n))
    }

    /// Waits for some input, and takes at most `n` bytes of it: a piece of
    /// a frame that may be larger than a buffer (see [`Expectation::Chunk`]).
    pub fn expect_chunk(self, n: usize) -> Intent<P> {
        self.expect(Expectation::Chunk(n))
    }

    /// Waits for input up to `delimiter`, at most `max` bytes long.
    pub fn expect_delimiter(self, delimiter: &'static [u8], max: usize) -> Intent<P> {
        self.expect(Expectation::Delimiter { delimiter, max })
    }

    /// Waits until all output is written.
    pub fn expect_flush(self) -> Intent<P> {
        self.expect(Expectation::Flush)
    }

    /// Waits for a deadline or a wake-up only.
    pub fn sleep(self) -> Intent<P> {
        self.expect(Expectation::Sleep)
    }

    /// Keeps the previous expectation, and the previous deadline unless one
    /// was set on this builder (what a spurious wake-up should return).
    pub fn unchanged(self) -> Intent<P> {
        Intent(IntentKind::Unchanged(self.protocol, self.deadline))
    }

    fn expect(self, e: Expectation) -> Intent<P> {
        Intent(IntentKind::Expect(self.protocol, e, self.deadline))
    }
}

/// An [`Expectation`] packed into 24 bytes (a connection keeps one, so it
/// counts in the memory of every idle connection), matched on directly by
/// the stream's hot path. Counts above `u32::MAX` are clamped; no buffer is
/// that large, and a chunk's count is re-expected piece by piece.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct PackedExpectation {
    pub(crate) delimiter: &'static [u8],
    pub(crate) n: u32,
    pub(crate) kind: ExpectKind,
}

/// Which [`Expectation`] a [`PackedExpectation`] holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExpectKind {
    Bytes,
    Chunk,
    Delimiter,
    Flush,
    Sleep,
}

impl From<Expectation> for PackedExpectation {
    fn from(e: Expectation) -> PackedExpectation {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let (delimiter, n, kind): (&'static [u8], u32, ExpectKind) = match e {
            Expectation::Bytes(n) => (&[], clamp(n), ExpectKind::Bytes),
            Expectation::Chunk(n) => (&[], clamp(n), ExpectKind::Chunk),
            Expectation::Delimiter { delimiter, max } => (delimiter, clamp(max), ExpectKind::Delimiter),
            Expectation::Flush => (&[], 0, ExpectKind::Flush),
            Expectation::Sleep => (&[], 0, ExpectKind::Sleep),
        };
        PackedExpectation { delimiter, n, kind }
    }
}

impl PackedExpectation {
    /// Whether it waits for input (so end of stream is due when it is not met).
    pub(crate) fn reads(self) -> bool {
        matches!(self.kind, ExpectKind::Bytes | ExpectKind::Chunk | ExpectKind::Delimiter)
    }
}
