//! The stream layer's memory, owned by the loop: fixed-size IO chunks and a
//! table of queued output values, both sized once at construction.
//!
//! A neutral home: the machine layer owns a [`Buffers`] and lends it to
//! whatever runs through [`Scope::buffers`](crate::machine::Scope) (only
//! [`Stream`](crate::stream::Stream) uses it today), so `machine/` does not
//! depend on `stream/`.
//!
//! Every chunk and queue entry records the token of the machine holding it.
//! That is what makes a leak impossible to forget: a machine ends in one
//! place ([`Machines::end`](crate::machine)), and when the loop drops a
//! machine that did not give its memory back itself (a deadline that could
//! not be armed, the loop closing), that place reclaims everything the token
//! still holds. Stream connections give their memory back themselves on
//! every way they end, so the reclaim scan runs only on those rare paths.

mod chunks;
mod values;

use std::sync::Arc;

use crate::counters::Counters;

pub(crate) use chunks::{Chunks, NO_CHUNK};
pub(crate) use values::{QueueHead, Values, MAX_SLICES};

/// The loop's chunks and queued values.
#[derive(Debug)]
pub(crate) struct Buffers {
    pub(crate) chunks: Chunks,
    pub(crate) values: Values,
    /// The loop's counters: a stream round counts its bytes into them
    /// while it holds the buffers (the scope is lent to its callbacks).
    pub(crate) counters: Arc<Counters>,
}

impl Buffers {
    /// `count` chunks of `size` bytes, and `values` queue entries of which
    /// one connection holds at most `per_connection`.
    pub(crate) fn new(
        size: usize,
        count: usize,
        values: usize,
        per_connection: usize,
        counters: Arc<Counters>,
    ) -> Buffers {
        Buffers { chunks: Chunks::new(size, count), values: Values::new(values, per_connection), counters }
    }

    /// Gives back everything `owner` still holds; how many chunks and
    /// entries that was. O(chunks + entries): for the rare ends where the
    /// loop drops a machine that did not release its memory itself.
    pub(crate) fn reclaim(&mut self, owner: u32) -> usize {
        self.chunks.reclaim(owner) + self.values.reclaim(owner)
    }

    /// Whether `owner` holds anything (a debug check at every end).
    pub(crate) fn holds_any(&self, owner: u32) -> bool {
        self.chunks.holds_any(owner) || self.values.holds_any(owner)
    }
}
