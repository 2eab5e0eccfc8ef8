//! The channel's queue: a bounded, preallocated multi-producer
//! single-consumer ring.
//!
//! This is the one file of the crate outside `sys/` with `unsafe` code. Its
//! atomics and cell come from the crate's loom shim (`crate::loom`), so that
//! the loom models in `tests/loom_ring.rs` (and `tests/loom_handshake.rs`)
//! check this very code; its unit tests are in `tests/ring.rs`.
//!
//! # Algorithm
//!
//! `cap` slots are allocated once, in [`ring`]. Each slot holds a `stamp`
//! (an atomic position) and room for one message. A *position* counts
//! pushes: `position = lap * one_lap + index`, where `index < cap` is the
//! slot and `one_lap = 2 * mark_bit`, `mark_bit = (cap + 1).next_power_of_two()`
//! (crossbeam's lap encoding). Going from the last slot to the first skips
//! the unused indexes and adds one lap, so the capacity is exactly `cap`, not
//! rounded up, and "`p` is less than `cap` positions after `h`" reads
//! `p - h < one_lap`. `mark_bit` lies between the index bits and the lap
//! bits; only `tail` ever carries it, to say "closed". All arithmetic on
//! positions wraps.
//!
//! * `tail` (shared, on its own cache line): the next position to push.
//! * `head` (the [`Consumer`]'s own field): the next position to pop. The
//!   consumer also publishes it (Release) on a second cache line after each
//!   pop, for producers to check room against.
//! * Each [`Producer`] caches the last published `head` it loaded, so that
//!   producers read the consumer's line only when the ring looks full.
//! * A slot's stamp is `p + 1` once the message of position `p` is in it;
//!   any other value means "not written yet" (it starts at 0, which is no
//!   position plus one).
//!
//! Push (any thread): load `tail`; if it carries `mark_bit`, the ring is
//! closed. If `tail` is less than `cap` positions after the cached `head`,
//! there is room. Otherwise load the published `head` (Acquire) into the
//! cache and check again; still no room and `tail` unchanged means `cap`
//! messages are queued: [`PushError::Full`]. With room, claim the position by
//! a CAS of `tail` to the next position (a short spin after a failed CAS,
//! which means another producer won it; then retry from the new `tail`),
//! write the message, store the stamp `tail + 1` (Release).
//!
//! Pop (the consumer): the message of `head` is ready when its slot's stamp
//! is `head + 1` (Acquire). Move it out, advance `head`, publish it
//! (Release). No read-modify-write at all, and the consumer never writes a
//! slot: slot lines move from producers to the consumer only.
//!
//! # Invariants
//!
//! 1. A position is claimed by exactly one producer: only the CAS that moves
//!    `tail` off it, and a CAS succeeds only from the current value.
//! 2. Position `p` is claimed only after a published `head` past `p - cap`
//!    was loaded with Acquire (directly, or through a producer's cache,
//!    stored with Release and loaded with Acquire); the consumer publishes
//!    `head` only after moving the message of `head - 1` out. So the slot's
//!    previous message is gone, and the write never overlaps the consumer's
//!    read of it. A cached `head` is never ahead of the real one (it only
//!    moves forward), so room it shows is real.
//! 3. A producer writes a slot only between claiming `p` and storing stamp
//!    `p + 1` (Release); the consumer reads it only after seeing that stamp
//!    (Acquire): it reads an initialized message, exactly once, since it
//!    then moves `head` on.
//! 4. The live messages are those of the positions from `head` to `tail`
//!    whose stamps are the position plus one. Claimed-but-unwritten
//!    positions exist only while a push is running.
//!
//! # Closing and dropping
//!
//! Dropping the [`Consumer`] sets `mark_bit` in `tail` (one `fetch_or`) and
//! drops every ready message. After the `fetch_or`, no push can claim a
//! position (its CAS from an unmarked `tail` fails) and every push returns
//! [`PushError::Closed`] with its message. A push that claimed its position
//! before the mark may still be writing when the consumer drains: the drain
//! stops at the first slot that is not ready, and what is left (that message
//! and any ready ones behind it) is dropped by the ring's own `Drop`, which
//! runs when the last [`Producer`] goes and walks from `head` to `tail`
//! (invariant 4). Each message is therefore dropped exactly once: delivered,
//! drained by the consumer, dropped with the ring, or handed back.
//!
//! # Memory orderings and the wake-up handshake
//!
//! The stamps carry the message from producer to consumer, the published
//! `head` carries the slot back (both Release/Acquire). The CAS on `tail`
//! is `SeqCst` for the loop's sleep handshake (`wake_state.rs` states it): it
//! is the sender's store, read `SeqCst` by [`Consumer::is_claimed`] after the
//! loop announces its sleep, while the sender reads the loop's state after
//! its CAS. So a claimed position is either seen by the loop's last check or
//! its sender sees the loop asleep, and no fence is needed after the write
//! (on x86-64 the `lock cmpxchg` is the barrier; a fence after the message's
//! store would wait for that store's cache miss on every send). Loom models
//! `SeqCst` accesses as `AcqRel`; the fence that stands in for their order
//! in models only is in `WakeState::notify`, not here.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::fmt;
use std::mem::{self, MaybeUninit};

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::loom::Backoff;

/// Keeps its content on its own cache line (128 bytes: two lines on x86-64,
/// whose prefetcher pulls lines in pairs).
#[repr(align(128))]
struct CachePadded<T>(T);

/// One message's room and the stamp saying which position's message is in it.
struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// The shared part: the slots, `tail` and the published `head`.
struct Ring<T> {
    tail: CachePadded<AtomicUsize>,
    /// The consumer's `head`, stored (Release) after each pop.
    head: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// `(cap + 1).next_power_of_two()`: the "closed" bit of `tail`.
    mark_bit: usize,
    /// `2 * mark_bit`: adding it to a position moves it one lap on.
    one_lap: usize,
}

// SAFETY: a `Ring` hands each message from one thread to another (invariants
// 1-3 in the module doc keep every slot to one accessor at a time), which is
// sound when `T: Send`; nothing is ever shared by reference.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// The position after `pos` (which carries no `mark_bit`).
    #[inline(always)]
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        if index + 1 < self.slots.len() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// Whether position `tail` is free to push while the consumer's head is
    /// at (or past) `head`: `tail` is less than `cap` positions after `head`.
    /// In the lap encoding that is `tail - head < one_lap`: the same lap
    /// (index at or after head's), or the next lap at a lower index.
    #[inline(always)]
    fn has_room(&self, tail: usize, head: usize) -> bool {
        tail.wrapping_sub(head) < self.one_lap
    }

    /// Writes the message of position `pos` and marks it ready.
    ///
    /// # Safety
    ///
    /// `pos` was claimed by [`Producer::claim`] for the caller alone and not
    /// written yet.
    #[inline(always)]
    unsafe fn write(&self, pos: usize, value: T) {
        let slot = self.slot(pos);
        // SAFETY: the caller owns position `pos` (invariant 1), and the
        // `head` its claim checked (Acquire) is past `pos - cap`: the
        // consumer is done with the slot's previous message (invariant 2).
        // Nobody else touches the slot until the Release store below.
        slot.value.with_mut(|p| unsafe { (*p).write(value) });
        slot.stamp.store(pos.wrapping_add(1), Ordering::Release);
    }

    /// The slot of `pos`.
    #[inline(always)]
    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (self.mark_bit - 1)]
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        if !mem::needs_drop::<T>() {
            return;
        }
        // Every producer and the consumer are gone (`&mut self`): the
        // positions from `head` to `tail` whose stamp says "written"
        // (invariant 4) hold messages nobody took.
        let mut pos = self.head.0.load(Ordering::Relaxed);
        let tail = self.tail.0.load(Ordering::Relaxed) & !self.mark_bit;
        while pos != tail {
            let slot = self.slot(pos);
            if slot.stamp.load(Ordering::Relaxed) == pos.wrapping_add(1) {
                // SAFETY: the stamp says the message of `pos` was written,
                // and `pos` is at or after `head`, so it was neither popped
                // nor dropped (invariant 4); `&mut self` rules out any other
                // access: drop it, once.
                slot.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
            }
            pos = self.next(pos);
        }
    }
}

/// Why [`Producer::push`] failed; the message comes back.
#[derive(Debug)]
pub(crate) enum PushError<T> {
    /// `cap` messages are queued.
    Full(T),
    /// The consumer is gone.
    Closed(T),
}

/// Creates a ring of exactly `cap` slots (`cap >= 1`), allocated here once.
pub(crate) fn ring<T>(cap: usize) -> (Producer<T>, Consumer<T>) {
    assert!(cap >= 1, "a ring needs at least one slot");
    let mark_bit = (cap + 1).next_power_of_two();
    let one_lap = mark_bit.checked_mul(2).expect("ring capacity overflows a position");
    let slots =
        (0..cap).map(|_| Slot { stamp: AtomicUsize::new(0), value: UnsafeCell::new(MaybeUninit::uninit()) }).collect();
    let ring = Arc::new(Ring {
        tail: CachePadded(AtomicUsize::new(0)),
        head: CachePadded(AtomicUsize::new(0)),
        slots,
        mark_bit,
        one_lap,
    });
    (Producer { ring: Arc::clone(&ring), head: AtomicUsize::new(0) }, Consumer { ring, head: 0 })
}

/// The pushing side; clone it for each producer.
pub(crate) struct Producer<T> {
    ring: Arc<Ring<T>>,
    /// A `head` this producer (or the one it was cloned from) loaded from
    /// the ring: at or behind the real one, so room it shows is real. Read
    /// again from the ring only when it shows none, so that producers do
    /// not read the line the consumer writes on every pop.
    head: AtomicUsize,
}

impl<T> Clone for Producer<T> {
    fn clone(&self) -> Producer<T> {
        Producer { ring: Arc::clone(&self.ring), head: AtomicUsize::new(self.head.load(Ordering::Acquire)) }
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").field("capacity", &self.ring.slots.len()).finish_non_exhaustive()
    }
}

/// Why [`Producer::claim`] found no position.
enum Refused {
    Full,
    Closed,
}

impl<T> Producer<T> {
    /// Queues `value`, or hands it back if the ring is full or closed.
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<(), PushError<T>> {
        match self.claim() {
            // SAFETY: `claim` just gave this call position `pos` alone.
            Ok(pos) => unsafe { self.ring.write(pos, value) },
            Err(Refused::Full) => return Err(PushError::Full(value)),
            Err(Refused::Closed) => return Err(PushError::Closed(value)),
        }
        Ok(())
    }

    /// Claims the next position for this caller alone (invariants 1 and 2),
    /// for [`Ring::write`].
    #[inline(always)]
    fn claim(&self) -> Result<usize, Refused> {
        let ring = &*self.ring;
        let mut tail = ring.tail.0.load(Ordering::Relaxed);
        let mut backoff = Backoff::new();
        loop {
            if tail & ring.mark_bit != 0 {
                return Err(Refused::Closed);
            }
            // Room for `tail` when it is less than `cap` positions after
            // `head`, i.e. less than one lap (see `has_room`).
            if !ring.has_room(tail, self.head.load(Ordering::Acquire)) {
                let head = ring.head.0.load(Ordering::Acquire);
                self.head.store(head, Ordering::Release);
                if !ring.has_room(tail, head) {
                    // Full if `tail` is still the tail: then `head` is at or
                    // before it and `cap` messages are queued right now.
                    // Otherwise our `tail` was stale (`head` may even have
                    // passed it): start again from the current one.
                    let current = ring.tail.0.load(Ordering::Relaxed);
                    if current == tail {
                        return Err(Refused::Full);
                    }
                    tail = current;
                    continue;
                }
            }
            // SeqCst: this CAS is also the sender's half of the loop's sleep
            // handshake (see the module doc).
            match ring.tail.0.compare_exchange_weak(tail, ring.next(tail), Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => return Ok(tail),
                Err(current) => {
                    // Another producer won the position: back off a little
                    // (longer each time) so the winners get on.
                    backoff.spin();
                    tail = current;
                }
            }
        }
    }

    /// Claims the next position without writing it: a sender stalled
    /// mid-push, for the event loop's tests. `None` if full or closed.
    #[cfg(test)]
    pub(crate) fn claim_unwritten(&self) -> Option<Unwritten<'_, T>> {
        self.claim().ok().map(|pos| Unwritten { ring: &self.ring, pos })
    }
}

/// A claimed position whose message is not written yet (tests only).
#[cfg(test)]
pub(crate) struct Unwritten<'a, T> {
    ring: &'a Ring<T>,
    pos: usize,
}

#[cfg(test)]
impl<T> Unwritten<'_, T> {
    /// Finishes the push.
    pub(crate) fn write(self, value: T) {
        // SAFETY: `claim` gave this `Unwritten` position `pos` alone, and
        // `write` consumes it: written once.
        unsafe { self.ring.write(self.pos, value) }
    }
}

/// The popping side; there is exactly one per ring. Dropping it closes the
/// ring and drops the queued messages.
pub(crate) struct Consumer<T> {
    ring: Arc<Ring<T>>,
    /// The next position to pop (never carries `mark_bit`).
    head: usize,
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.ring.slots.len())
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl<T> Consumer<T> {
    /// Whether the next message is not ready yet. A push that has claimed
    /// its position but not finished writing counts as not there (its
    /// producer's wake-up covers it), and so do the messages behind it.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.ring.slot(self.head).stamp.load(Ordering::Acquire) != self.head.wrapping_add(1)
    }

    /// Whether a push has claimed the next position: its message is ready,
    /// or being written. `SeqCst`: the loop's half of the sleep handshake
    /// (see `WakeState`).
    #[inline]
    pub(crate) fn is_claimed(&self) -> bool {
        self.ring.tail.0.load(Ordering::SeqCst) & !self.ring.mark_bit != self.head
    }

    /// The next message, if it is ready.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        let ring = &*self.ring;
        let head = self.head;
        let slot = ring.slot(head);
        if slot.stamp.load(Ordering::Acquire) != head.wrapping_add(1) {
            return None;
        }
        // SAFETY: the stamp `head + 1` (Acquire) was stored (Release) after
        // the producer's write of this message (invariant 3), and only this
        // consumer, which is unique, reads it, once: `head` moves on, and
        // publishing it below hands the slot to the next lap's push
        // (invariant 2).
        let value = slot.value.with_mut(|p| unsafe { (*p).assume_init_read() });
        self.head = ring.next(head);
        ring.head.0.store(self.head, Ordering::Release);
        Some(value)
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // Closed: from here on, no push claims a position.
        self.ring.tail.0.fetch_or(self.ring.mark_bit, Ordering::AcqRel);
        // Drop what is ready now; a message still being written (and those
        // behind it) goes with the ring.
        while let Some(msg) = self.pop() {
            drop(msg);
        }
    }
}
