//! A request's arguments, wherever they are: parsed in place in the input
//! buffer ([`InBuffer`]), or read into memory ([`Spill`](crate::spill::Spill)).
//! Commands read them as byte slices, and take a value to store as
//! [`Bytes`]: copied out of the buffer, or moved out of memory.

use mio::stream::Bytes;

use crate::commands::COPY_MAX;
use crate::frame::Arg;

/// A request's arguments (the command name first), wherever they are.
pub trait Args {
    /// How many (at least one).
    fn len(&self) -> usize;

    /// Argument `i`.
    fn arg(&self, i: usize) -> &[u8];

    /// Argument `i` as a value to store or send: copied out of the input
    /// buffer, or moved out of a request read into memory.
    fn value(&mut self, i: usize) -> Bytes;

    /// Whether argument `i` is `word`, ignoring ASCII case.
    fn is(&self, i: usize, word: &str) -> bool {
        self.arg(i).eq_ignore_ascii_case(word.as_bytes())
    }
}

/// A request parsed in place: the input bytes and its argument ranges.
#[derive(Debug)]
pub struct InBuffer<'a> {
    pub data: &'a [u8],
    pub args: &'a [Arg],
}

impl Args for InBuffer<'_> {
    fn len(&self) -> usize {
        self.args.len()
    }

    fn arg(&self, i: usize) -> &[u8] {
        let (start, end) = self.args[i];
        &self.data[start..end]
    }

    fn value(&mut self, i: usize) -> Bytes {
        stored(self.arg(i).to_vec())
    }
}

/// `value` as the database keeps it. A value larger than [`COPY_MAX`] is
/// sent by sharing it (a clone per reply), so its shared header is made
/// now: `Bytes::from` a `Vec` leaves that to the first clone, which would
/// allocate in a reply.
pub fn stored(value: Vec<u8>) -> Bytes {
    let value = Bytes::from(value);
    if value.len() > COPY_MAX {
        drop(value.clone());
    }
    value
}
