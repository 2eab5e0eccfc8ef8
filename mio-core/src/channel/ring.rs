//! The channel's queue: a bounded, preallocated multi-producer
//! single-consumer ring.
//!
//! This is the one file of the crate outside `sys/` with `unsafe` code; the
//! loom models at the bottom check it (`RUSTFLAGS="--cfg loom"
//! LOOM_MAX_PREEMPTIONS=3 cargo test -p mio-core --lib --release channel::ring`).
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
//! is `SeqCst` for the loop's sleep handshake (`WakeState`): it is the
//! sender's store, read `SeqCst` by [`Consumer::is_claimed`] after the loop
//! announces its sleep, while the sender reads the loop's state after its
//! CAS. So a claimed position is either seen by the loop's last check or its
//! sender sees the loop asleep, and no fence is needed after the write (on
//! x86-64 the `lock cmpxchg` is the barrier; a fence after the message's
//! store would wait for that store's cache miss on every send).

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::fmt;
use std::mem::{self, MaybeUninit};

use shim::{spin_loop, Arc, AtomicUsize, Ordering, UnsafeCell};

/// std's types, or loom's when model checking (the unit tests under
/// `--cfg loom`; loom is a dev-dependency, so other builds with that flag
/// use std's), behind one small API (loom's `UnsafeCell` has no `get`).
mod shim {
    #[cfg(all(test, loom))]
    pub(super) use loom::{
        cell::UnsafeCell,
        hint::spin_loop,
        sync::atomic::{AtomicUsize, Ordering},
        sync::Arc,
    };
    #[cfg(not(all(test, loom)))]
    pub(super) use std::{
        hint::spin_loop,
        sync::atomic::{AtomicUsize, Ordering},
        sync::Arc,
    };

    /// `std::cell::UnsafeCell` with loom's closure-based access.
    #[cfg(not(all(test, loom)))]
    #[derive(Debug)]
    pub(super) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    #[cfg(not(all(test, loom)))]
    impl<T> UnsafeCell<T> {
        pub(super) fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        #[inline(always)]
        pub(super) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// After the `n`th failed CAS on `tail` in a row: `2^min(n, 4)` spin-loop
/// hints, so that the winner gets on before we touch the line again. (Under
/// loom every hint is a yield point the model explores, so there it is one.)
#[inline]
fn back_off(failures: &mut u32) {
    #[cfg(not(all(test, loom)))]
    {
        for _ in 0..1u32 << (*failures).min(4) {
            spin_loop();
        }
        *failures += 1;
    }
    #[cfg(all(test, loom))]
    {
        let _ = failures;
        spin_loop();
    }
}

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
        let mut failures = 0u32;
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
                    back_off(&mut failures);
                    tail = current;
                }
            }
        }
    }

    /// Claims the next position without writing it: a sender stalled
    /// mid-push, for the event loop's tests. `None` if full or closed.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn claim_unwritten(&self) -> Option<Unwritten<'_, T>> {
        self.claim().ok().map(|pos| Unwritten { ring: &self.ring, pos })
    }
}

/// A claimed position whose message is not written yet (tests only).
#[cfg(all(test, not(loom)))]
pub(crate) struct Unwritten<'a, T> {
    ring: &'a Ring<T>,
    pos: usize,
}

#[cfg(all(test, not(loom)))]
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

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;

    use super::{ring, Consumer, Producer, PushError};

    /// Counts drops.
    #[derive(Debug)]
    struct Counted(u64, Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn fifo_order() {
        let (tx, mut rx) = ring(8);
        assert!(rx.is_empty());
        for i in 0..5u32 {
            tx.push(i).unwrap();
        }
        assert!(!rx.is_empty());
        for i in 0..5 {
            assert_eq!(rx.pop(), Some(i));
        }
        assert!(rx.is_empty());
        assert_eq!(rx.pop(), None);
    }

    #[test]
    fn exactly_capacity_messages_fit_then_full_hands_the_message_back() {
        for cap in [1usize, 2, 3, 4, 5, 7, 8, 4096] {
            let (tx, mut rx) = ring(cap);
            // Twice, the second time on the next lap.
            for _round in 0..2 {
                for i in 0..cap {
                    assert!(tx.push(i).is_ok(), "cap {cap}: push {i} failed");
                }
                match tx.push(usize::MAX) {
                    Err(PushError::Full(m)) => assert_eq!(m, usize::MAX),
                    other => panic!("cap {cap}: expected Full, got {other:?}"),
                }
                // One pop makes room for exactly one push.
                assert_eq!(rx.pop(), Some(0));
                tx.push(cap).unwrap();
                assert!(matches!(tx.push(0), Err(PushError::Full(0))));
                for i in 1..=cap {
                    assert_eq!(rx.pop(), Some(i), "cap {cap}");
                }
                assert_eq!(rx.pop(), None);
            }
        }
    }

    #[test]
    fn wraps_around_over_many_laps() {
        for cap in [1usize, 3, 4, 5, 64] {
            let (tx, mut rx) = ring(cap);
            let mut next_in = 0u64;
            let mut next_out = 0u64;
            // Varying fill levels, so that the head and tail cross the wrap
            // point at every offset.
            for round in 0..1_000u64 {
                let queued = (next_in - next_out) as usize;
                let burst = (round as usize % cap + 1).min(cap - queued);
                for _ in 0..burst {
                    tx.push(next_in).unwrap();
                    next_in += 1;
                }
                let queued = (next_in - next_out) as usize;
                if queued == cap {
                    assert!(matches!(tx.push(0), Err(PushError::Full(0))));
                }
                for _ in 0..(round as usize * 7) % (queued + 1) {
                    assert_eq!(rx.pop(), Some(next_out));
                    next_out += 1;
                }
            }
            while let Some(v) = rx.pop() {
                assert_eq!(v, next_out);
                next_out += 1;
            }
            assert_eq!(next_out, next_in);
            assert!(next_in > 10 * cap as u64);
        }
    }

    #[test]
    fn every_message_is_dropped_exactly_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = ring(4);
        let msg = |i| Counted(i, Arc::clone(&drops));
        // Delivered: dropped by whoever received it.
        tx.push(msg(0)).unwrap();
        drop(rx.pop().unwrap());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        // Full: handed back.
        for i in 1..=4 {
            tx.push(msg(i)).unwrap();
        }
        match tx.push(msg(5)) {
            Err(PushError::Full(m)) => assert_eq!(m.0, 5),
            other => panic!("expected Full, got {other:?}"),
        }
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        // Queued when the consumer goes: dropped at once, senders alive.
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 6);
        // Sent after the close: handed back.
        match tx.push(msg(6)) {
            Err(PushError::Closed(m)) => assert_eq!(m.0, 6),
            other => panic!("expected Closed, got {other:?}"),
        }
        assert_eq!(drops.load(Ordering::SeqCst), 7);
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 7);
    }

    #[test]
    fn messages_left_behind_a_not_ready_slot_go_with_the_ring() {
        // Simulates a push that claimed its position and had not written it
        // when the consumer was dropped: the consumer's drain stops there,
        // the ring's own drop takes the rest.
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = ring(4);
        tx.push(Counted(0, Arc::clone(&drops))).unwrap();
        // Claim position 1 by hand, as a producer between its CAS and its write.
        let ring = Arc::clone(&tx.ring);
        ring.tail.0.store(2, Ordering::SeqCst);
        // Position 2 is pushed by hand too, like a producer would, and is
        // ready behind the unready one.
        let slot = &ring.slots[2];
        ring.tail.0.store(3, Ordering::SeqCst);
        slot.value.with_mut(|p| {
            // SAFETY: test-only; position 2 is claimed above and nobody else
            // touches slot 2.
            unsafe { (*p).write(Counted(2, Arc::clone(&drops))) };
        });
        slot.stamp.store(3, Ordering::Release);
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "the drain stops at the unready slot");
        assert!(matches!(tx.push(Counted(9, Arc::clone(&drops))), Err(PushError::Closed(_))));
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        drop(ring);
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 3, "the ring dropped the message behind");
    }

    #[test]
    fn sends_racing_with_the_close_are_dropped_exactly_once() {
        const PRODUCERS: u64 = 4;
        const PER: u64 = 20_000;
        for _ in 0..20 {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, mut rx) = ring(64);
            let start = Arc::new(Barrier::new(PRODUCERS as usize + 1));
            let threads: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let (tx, start, drops) = (tx.clone(), Arc::clone(&start), Arc::clone(&drops));
                    thread::spawn(move || {
                        start.wait();
                        // (queued, handed back)
                        let (mut queued, mut back) = (0usize, 0usize);
                        for i in 0..PER {
                            match tx.push(Counted(p << 32 | i, Arc::clone(&drops))) {
                                Ok(()) => queued += 1,
                                Err(PushError::Full(_)) => back += 1,
                                Err(PushError::Closed(_)) => {
                                    back += 1;
                                    break;
                                }
                            }
                        }
                        (queued, back)
                    })
                })
                .collect();
            start.wait();
            let mut received = 0usize;
            for _ in 0..1_000 {
                if rx.pop().is_some() {
                    received += 1;
                }
            }
            drop(rx);
            let (mut queued, mut back) = (0, 0);
            for t in threads {
                let (q, b) = t.join().unwrap();
                queued += q;
                back += b;
            }
            drop(tx);
            // Every message is gone: received, handed back, drained or
            // dropped with the ring; and none twice.
            assert_eq!(drops.load(Ordering::SeqCst), queued + back);
            assert!(received <= queued);
        }
    }

    #[test]
    fn producers_sharing_one_handle_lose_nothing() {
        // A `Sender` is `Sync`: threads may push through one `Producer`
        // (and its cached head) by reference.
        const PER: u64 = 100_000;
        let (tx, mut rx) = ring(8);
        let mut next = [0u64; 4];
        thread::scope(|s| {
            for p in 0..4u64 {
                let tx = &tx;
                s.spawn(move || push_sequence(tx, p, PER));
            }
            pop_sequences(&mut rx, &mut next, PER, "shared handle");
        });
        assert_eq!(rx.pop(), None);
    }

    /// Pushes `producer << 32 | i` for `i` in `0..per`, yielding and
    /// retrying on `Full`; returns how many times it was full.
    fn push_sequence(tx: &Producer<u64>, producer: u64, per: u64) -> u64 {
        let mut full = 0;
        for i in 0..per {
            let mut msg = producer << 32 | i;
            loop {
                match tx.push(msg) {
                    Ok(()) => break,
                    Err(PushError::Full(m)) => {
                        msg = m;
                        full += 1;
                        thread::yield_now();
                    }
                    Err(PushError::Closed(_)) => panic!("closed"),
                }
            }
        }
        full
    }

    /// Pops until every producer's `per` messages arrived, checking that
    /// each producer's come in order.
    fn pop_sequences(rx: &mut Consumer<u64>, next: &mut [u64], per: u64, what: &str) {
        let mut got = 0;
        while got < next.len() as u64 * per {
            match rx.pop() {
                Some(msg) => {
                    let (p, i) = ((msg >> 32) as usize, msg & 0xffff_ffff);
                    assert_eq!(next[p], i, "{what}: producer {p} out of order");
                    next[p] += 1;
                    got += 1;
                }
                None => thread::yield_now(),
            }
        }
        assert!(next.iter().all(|&n| n == per), "{what}: every message arrived");
    }

    #[test]
    fn four_producers_stress_per_producer_order_and_totals() {
        const PRODUCERS: u64 = 4;
        const PER: u64 = 200_000;
        for cap in [1usize, 3, 64, 4096] {
            let (tx, mut rx) = ring(cap);
            let start = Arc::new(Barrier::new(PRODUCERS as usize + 1));
            let threads: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let (tx, start) = (tx.clone(), Arc::clone(&start));
                    thread::spawn(move || {
                        start.wait();
                        push_sequence(&tx, p, PER)
                    })
                })
                .collect();
            drop(tx);
            start.wait();
            let mut next = [0u64; PRODUCERS as usize];
            pop_sequences(&mut rx, &mut next, PER, &format!("cap {cap}"));
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(rx.pop(), None);
        }
    }
}

/// Model checks: loom explores the interleavings and the memory orderings
/// (within its preemption bound) of a few producers and the consumer, and
/// fails on any unsynchronized access to a slot. `RUSTFLAGS="--cfg loom"
/// LOOM_MAX_PREEMPTIONS=3 cargo test -p mio-core --lib --release channel::ring`.
///
/// Each ordering in the ring is load-bearing: weakening any Acquire or
/// Release to Relaxed, or letting `has_room` accept one more message, makes
/// at least one model fail.
#[cfg(all(test, loom))]
mod loom_models {
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::Arc;
    use loom::thread;
    use std::sync::atomic::Ordering;

    use super::{ring, Consumer, Producer, PushError};

    /// Pushes `msgs` in order without retrying; returns those that went in.
    /// A `Full` must hand back the very message pushed.
    fn push_all(tx: &Producer<u64>, msgs: impl Iterator<Item = u64>) -> Vec<u64> {
        let mut pushed = Vec::new();
        for msg in msgs {
            match tx.push(msg) {
                Ok(()) => pushed.push(msg),
                Err(PushError::Full(m)) => assert_eq!(m, msg, "Full hands the message back"),
                Err(PushError::Closed(_)) => panic!("closed while the consumer lives"),
            }
        }
        pushed
    }

    /// One pop attempt by the consumer, into `got`.
    ///
    /// loom's DPOR remembers only the last access to each atomic, so a
    /// consumer's load of a stamp that a producer then loads and stores is
    /// not reordered after that store unless some other access makes them
    /// dependent. Each model therefore runs twice: with the consumer going
    /// first (loom keeps running the current thread), and with it yielding
    /// before each attempt, which lets the producers get ahead.
    fn pop_into(rx: &mut Consumer<u64>, got: &mut Vec<u64>, yield_first: bool) {
        if yield_first {
            thread::yield_now();
        }
        if let Some(msg) = rx.pop() {
            got.push(msg);
        }
    }

    /// After the concurrent part: drains the ring, then checks that it holds
    /// exactly `cap` messages again (the stamps were left consistent).
    fn drain_and_refill(rx: &mut Consumer<u64>, tx: &Producer<u64>, cap: usize, got: &mut Vec<u64>) {
        while let Some(msg) = rx.pop() {
            got.push(msg);
        }
        for i in 0..cap as u64 {
            tx.push(i).unwrap();
        }
        assert!(matches!(tx.push(u64::MAX), Err(PushError::Full(u64::MAX))));
        for i in 0..cap as u64 {
            assert_eq!(rx.pop(), Some(i));
        }
        assert_eq!(rx.pop(), None);
    }

    /// Two producers push `per` messages each (no retries: a `Full` hands
    /// the message back) while the consumer pops `pops` times; then the rest
    /// is drained. Every message that went in comes out once, each producer's
    /// in order; none that came back comes out.
    fn two_producers(cap: usize, per: u64, pops: usize) {
        for yield_first in [false, true] {
            two_producers_once(cap, per, pops, yield_first, false);
        }
    }

    /// `shared`: both threads push through one `Producer` (a `Sender` is
    /// `Sync`), so they share its cached `head` too.
    fn two_producers_once(cap: usize, per: u64, pops: usize, yield_first: bool, shared: bool) {
        loom::model(move || {
            let (tx, mut rx) = ring::<u64>(cap);
            let one = Arc::new(tx.clone());
            let threads: Vec<_> = (0..2u64)
                .map(|p| {
                    let (tx, one) = (tx.clone(), Arc::clone(&one));
                    thread::spawn(move || push_all(if shared { &one } else { &tx }, (0..per).map(|i| p << 32 | i)))
                })
                .collect();
            let mut got = Vec::new();
            for _ in 0..pops {
                pop_into(&mut rx, &mut got, yield_first);
            }
            let pushed: Vec<Vec<u64>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            drain_and_refill(&mut rx, &tx, cap, &mut got);
            for (p, pushed) in pushed.iter().enumerate() {
                let mine: Vec<u64> = got.iter().copied().filter(|m| (m >> 32) as usize == p).collect();
                assert_eq!(&mine, pushed, "producer {p}: lost, duplicated or reordered");
            }
            assert_eq!(got.len(), pushed.iter().map(Vec::len).sum::<usize>());
        });
    }

    #[test]
    fn loom_two_producers_capacity_1() {
        two_producers(1, 2, 2);
    }

    #[test]
    fn loom_two_producers_capacity_2() {
        two_producers(2, 2, 2);
    }

    #[test]
    fn loom_two_threads_share_one_producer() {
        for cap in [1, 2] {
            two_producers_once(cap, 2, 2, true, true);
        }
    }

    /// Full is exact and hands back the message while a pop runs concurrently.
    #[test]
    fn loom_full_races_a_pop() {
        loom::model(|| {
            let (tx, mut rx) = ring::<u32>(1);
            tx.push(1).unwrap();
            let tx2 = tx.clone();
            let t = thread::spawn(move || match tx2.push(2) {
                Ok(()) => true,
                Err(PushError::Full(m)) => {
                    assert_eq!(m, 2);
                    false
                }
                Err(PushError::Closed(_)) => panic!("closed"),
            });
            assert_eq!(rx.pop(), Some(1));
            let pushed = t.join().unwrap();
            assert_eq!(rx.pop(), pushed.then_some(2));
            assert_eq!(rx.pop(), None);
        });
    }

    /// Counts drops with a loom atomic, so that loom sees the ordering.
    #[derive(Debug)]
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The consumer is dropped while two producers push: each message is
    /// dropped exactly once, wherever it ends up (handed back, drained by the
    /// consumer, or left in the ring).
    #[test]
    fn loom_close_races_sends() {
        loom::model(|| {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, mut rx) = ring::<Counted>(2);
            tx.push(Counted(Arc::clone(&drops))).unwrap();
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (tx, drops) = (tx.clone(), Arc::clone(&drops));
                    thread::spawn(move || match tx.push(Counted(drops)) {
                        Ok(()) => 0,
                        Err(PushError::Full(m) | PushError::Closed(m)) => {
                            drop(m);
                            1
                        }
                    })
                })
                .collect();
            drop(tx);
            let popped = rx.pop().map(drop).is_some();
            drop(rx);
            let back: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
            // All three are dropped by now: the last `Arc` of the ring went
            // with the last producer.
            assert_eq!(drops.load(Ordering::SeqCst), 3, "popped={popped} back={back}");
        });
    }

    /// A producer races the consumer across the wrap point of a 2-slot ring,
    /// starting from each slot and on a later lap.
    #[test]
    fn loom_wrap_around() {
        for (warm_up, yield_first) in [(1u64, false), (2, false), (3, false), (1, true), (2, true), (3, true)] {
            loom::model(move || {
                let (tx, mut rx) = ring::<u64>(2);
                // Move head and tail on by `warm_up` positions, sequentially.
                for i in 0..warm_up {
                    tx.push(1000 + i).unwrap();
                    assert_eq!(rx.pop(), Some(1000 + i));
                }
                let producer = tx.clone();
                let t = thread::spawn(move || push_all(&producer, 0..3));
                let mut got = Vec::new();
                for _ in 0..2 {
                    pop_into(&mut rx, &mut got, yield_first);
                }
                let pushed = t.join().unwrap();
                drain_and_refill(&mut rx, &tx, 2, &mut got);
                assert_eq!(got, pushed);
                assert!(pushed.len() >= 2, "two fit in an empty ring of two");
            });
        }
    }
}
