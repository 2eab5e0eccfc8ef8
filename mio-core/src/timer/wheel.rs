//! `TimerWheel`: a hierarchical hashed timer wheel over a fixed-capacity slab.

use std::fmt;

use super::entries::{Entries, ListId, NIL};
use super::level::{self, Expiration, Levels, SLOTS};
use super::TimerError;

/// Deadlines due at or before the current tick, in firing order.
const PENDING: ListId = 0;
/// Deadlines beyond the top level, re-placed when they come in range.
const OVERFLOW: ListId = 1;
/// The first list of slot 0 of level 0; see [`slot_list`].
const FIRST_SLOT: ListId = 2;

/// Each slot of level 1 is split into this many lists by the top bits of
/// the deadline's level-0 digit. Moving a slot down a level walks them side
/// by side: the walk is a chain of dependent loads, and several independent
/// chains let the CPU wait for several cache misses at once. Entries bound
/// for the same level-0 slot, and so all those due at the same tick, share a
/// list, so order is kept. (Level 0 is never walked: a slot holds one tick,
/// due all at once, and is moved whole to the pending list. Levels above 1,
/// for deadlines hours away, are moved rarely and have one list per slot.)
const SUBLISTS: usize = 8;
const SUBLIST_BITS: u32 = SUBLISTS.trailing_zeros();

/// The first list of level 1 (level 0's lists come first, one per slot).
const LEVEL1: ListId = FIRST_SLOT + SLOTS as ListId;
/// The first list of level 2.
const LEVEL2: ListId = LEVEL1 + (SLOTS * SUBLISTS) as ListId;

/// The sublist of level 1 for `deadline`.
#[inline]
fn sublist(deadline: u64) -> usize {
    (deadline >> (level::SLOT_BITS - SUBLIST_BITS)) as usize % SUBLISTS
}

/// The list of `deadline` in `slot` of `level`.
#[inline]
fn slot_list(lvl: usize, slot: usize, deadline: u64) -> ListId {
    match lvl {
        0 => FIRST_SLOT + slot as ListId,
        1 => LEVEL1 + (slot * SUBLISTS + sublist(deadline)) as ListId,
        _ => LEVEL2 + ((lvl - 2) * SLOTS + slot) as ListId,
    }
}

/// How many lists a wheel of `levels` levels has.
fn list_count(levels: usize) -> usize {
    match levels {
        1 => LEVEL1 as usize,
        _ => LEVEL2 as usize + (levels - 2) * SLOTS,
    }
}

/// The horizon of [`TimerWheel::with_capacity`]: `4096^3 = 2^36` ticks
/// (about 2.2 years at 1 ms per tick), three levels.
pub const DEFAULT_HORIZON: u64 = 1 << 36;

/// A handle to a timer in a [`TimerWheel`], for [`TimerWheel::cancel`].
///
/// Small and `Copy`. It names one timer only: once that timer has fired or
/// been cancelled the handle is stale, and cancelling with it does nothing,
/// even after its slot was reused by a newer timer.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timeout {
    index: u32,
    generation: u32,
}

/// A hierarchical hashed timer wheel: timers keyed by an integer tick, each
/// carrying a payload of type `T`.
///
/// Levels of 4096 slots, each level's slots 4096 times wider than the level
/// below, with an occupancy bitmap per level; deadlines beyond the top
/// level wait in an overflow list. Entries live in a slab allocated at
/// construction and are linked into per-slot lists by index, so `insert`,
/// `cancel` and `poll` never allocate.
///
/// Costs: `insert` and `cancel` O(1); `next_deadline` O(levels); `poll`
/// O(levels) plus the entries it fires or moves down a level (each entry
/// moves down at most once per level).
///
/// Time is whatever the caller counts in ticks and only moves forward through
/// [`poll`](TimerWheel::poll). A timer never fires before its deadline tick;
/// polled at every tick it fires exactly at it, and timers due at the same
/// tick fire in insertion order.
///
/// # Examples
///
/// ```
/// use mio_core::timer::TimerWheel;
///
/// let mut wheel = TimerWheel::with_capacity(16);
/// wheel.insert(100, "late").unwrap();
/// let early = wheel.insert(5, "early").unwrap();
/// wheel.insert(5, "early too").unwrap();
/// assert_eq!(wheel.cancel(early), Some("early"));
///
/// assert_eq!(wheel.poll(4), None);
/// assert_eq!(wheel.poll(5), Some("early too"));
/// let mut tick = 5;
/// while let Some(next) = wheel.next_deadline() {
///     tick = next;
///     if let Some(payload) = wheel.poll(tick) {
///         assert_eq!(payload, "late");
///     }
/// }
/// assert_eq!(tick, 100);
/// ```
pub struct TimerWheel<T> {
    entries: Entries<T>,
    levels: Levels,
    /// Per slot of level 1, a bit per non-empty sublist.
    sublists: Vec<u8>,
    /// The tick the wheel has advanced to.
    elapsed: u64,
    /// A lower bound of the overflow list's deadlines (`u64::MAX` if empty).
    overflow_min: u64,
}

impl<T> fmt::Debug for TimerWheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerWheel")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("levels", &self.levels.count())
            .field("elapsed", &self.elapsed)
            .finish_non_exhaustive()
    }
}

impl<T> TimerWheel<T> {
    /// A wheel for up to `capacity` timers with the default horizon
    /// ([`DEFAULT_HORIZON`], three levels); everything is allocated now.
    pub fn with_capacity(capacity: usize) -> Self {
        TimerWheel::new(capacity, DEFAULT_HORIZON)
    }

    /// A wheel for up to `capacity` timers (at most `u32::MAX`), whose levels
    /// cover `horizon` ticks ahead of the current tick; everything is
    /// allocated now.
    ///
    /// `horizon` is rounded up to a power of 4096, one level per factor of
    /// 4096 (at least one level, at most five: `2^60` ticks). Deadlines beyond it
    /// still work: they wait in an overflow list that is scanned once each
    /// time the wheel reaches the next span of `horizon` ticks holding one.
    pub fn new(capacity: usize, horizon: u64) -> Self {
        let levels = Levels::new(level::levels_for_horizon(horizon));
        let lists = list_count(levels.count());
        let sublists = vec![0; if levels.count() > 1 { SLOTS } else { 0 }];
        TimerWheel { entries: Entries::new(capacity, lists), levels, sublists, elapsed: 0, overflow_min: u64::MAX }
    }

    /// How many timers are pending.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// How many timers may be pending at once.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The tick the wheel has advanced to (the last `poll`'s `now`, or less
    /// while due timers are still to be popped).
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Sets a timer carrying `payload` due at tick `deadline`.
    ///
    /// A deadline at or before the wheel's current tick fires on the next
    /// [`poll`](TimerWheel::poll).
    ///
    /// # Errors
    ///
    /// [`TimerError`], with the payload handed back, when `capacity` timers
    /// are pending.
    pub fn insert(&mut self, deadline: u64, payload: T) -> Result<Timeout, (TimerError, T)> {
        let (index, generation) = self.entries.alloc(deadline, payload).map_err(|p| (TimerError, p))?;
        self.place(index, deadline);
        Ok(Timeout { index, generation })
    }

    /// Cancels the timer of `timeout` and returns its payload, or `None` if
    /// it already fired or was cancelled (the handle is stale; a newer timer
    /// reusing its slot is left alone).
    pub fn cancel(&mut self, timeout: Timeout) -> Option<T> {
        if !self.entries.is_live(timeout.index, timeout.generation) {
            return None;
        }
        debug_assert_eq!(self.entries.list(timeout.index), self.list_of(self.entries.deadline(timeout.index)).0);
        let list = self.entries.unlink(timeout.index);
        if self.entries.is_empty(list) {
            let deadline = self.entries.deadline(timeout.index);
            let lvl = self.list_of(deadline).1;
            if list == OVERFLOW {
                self.overflow_min = u64::MAX;
            } else if list >= FIRST_SLOT {
                let slot = level::slot_for(lvl, deadline);
                if lvl == 1 {
                    self.sublists[slot] &= !(1 << sublist(deadline));
                    if self.sublists[slot] == 0 {
                        self.levels.clear(1, slot);
                    }
                } else {
                    self.levels.clear(lvl, slot);
                }
            }
        }
        self.entries.free(timeout.index)
    }

    /// The earliest tick at which [`poll`](TimerWheel::poll) may have work,
    /// or `None` if no timer is pending. O(levels).
    ///
    /// Exact when the earliest timer is in level 0 (in the current block of
    /// 4096 ticks) or alone in its slot; otherwise it is the start of the slot holding it, where
    /// `poll` moves the slot's timers down a level, after which this is exact
    /// (or closer). The current tick if timers are already due.
    pub fn next_deadline(&self) -> Option<u64> {
        if !self.entries.is_empty(PENDING) {
            return Some(self.elapsed);
        }
        let exp = self.next_expiration()?;
        if exp.level > 0 && exp.level < self.levels.count() {
            // A lone timer: its own deadline saves a wake-up at the slot start.
            let list = if exp.level == 1 {
                let bits = self.sublists[exp.slot];
                if !bits.is_power_of_two() {
                    return Some(exp.deadline);
                }
                LEVEL1 + (exp.slot * SUBLISTS) as ListId + bits.trailing_zeros() as ListId
            } else {
                slot_list(exp.level, exp.slot, 0)
            };
            if let Some(index) = self.entries.only(list) {
                return Some(self.entries.deadline(index));
            }
        }
        Some(exp.deadline)
    }

    /// Advances the wheel to tick `now` and pops one timer due at or before
    /// it, or returns `None` when none is due.
    ///
    /// Timers come out in deadline order, those due at the same tick in the
    /// order they were inserted. Call it until it returns `None` to fire
    /// everything due. Time never goes back: a `now` below the current tick
    /// counts as the current tick.
    pub fn poll(&mut self, now: u64) -> Option<T> {
        loop {
            if let Some(index) = self.entries.pop_front(PENDING) {
                return self.entries.free(index);
            }
            match self.next_expiration() {
                Some(exp) if exp.deadline <= now => self.expire(exp),
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// The earliest occupied slot, or the overflow list's turn when the
    /// levels are empty.
    fn next_expiration(&self) -> Option<Expiration> {
        if let Some(exp) = self.levels.next_expiration(self.elapsed) {
            return Some(exp);
        }
        if self.entries.is_empty(OVERFLOW) {
            return None;
        }
        let top_bits = level::SLOT_BITS * self.levels.count() as u32;
        let deadline = level::block_start(self.overflow_min, top_bits);
        Some(Expiration { level: self.levels.count(), slot: 0, deadline })
    }

    /// Advances to `exp`'s tick and re-places the entries of its slot (or of
    /// the overflow list): each moves to a lower level, or to the pending
    /// list if due. Order within a slot is kept, so same-tick FIFO holds.
    fn expire(&mut self, exp: Expiration) {
        self.elapsed = self.elapsed.max(exp.deadline);
        if exp.level >= self.levels.count() {
            self.overflow_min = u64::MAX;
            let head = self.entries.take(OVERFLOW);
            self.replace_chain(head);
            return;
        }
        self.levels.clear(exp.level, exp.slot);
        if exp.level == 0 {
            // One tick, all due now: the whole list joins the pending one.
            self.entries.append(PENDING, slot_list(0, exp.slot, 0));
            return;
        }
        if exp.level > 1 {
            let head = self.entries.take(slot_list(exp.level, exp.slot, 0));
            self.replace_chain(head);
            return;
        }
        let first = LEVEL1 + (exp.slot * SUBLISTS) as ListId;
        let mut bits = std::mem::take(&mut self.sublists[exp.slot]);
        if bits.is_power_of_two() {
            let mut cursor = self.entries.take(first + bits.trailing_zeros() as ListId);
            while cursor != NIL {
                let next = self.entries.next(cursor);
                self.place_in_level0(cursor);
                cursor = next;
            }
            return;
        }
        let mut cursors = [NIL; SUBLISTS];
        let mut live = 0;
        while bits != 0 {
            cursors[live] = self.entries.take(first + bits.trailing_zeros() as ListId);
            bits &= bits - 1;
            live += 1;
        }
        // Walk the sublists side by side; each keeps its own order.
        while live > 0 {
            let mut i = 0;
            while i < live {
                let index = cursors[i];
                cursors[i] = self.entries.next(index);
                // Its line loads while the other chains take their turns.
                self.entries.prefetch(cursors[i]);
                self.place_in_level0(index);
                if cursors[i] == NIL {
                    live -= 1;
                    cursors[i] = cursors[live];
                } else {
                    i += 1;
                }
            }
        }
    }

    /// Re-places every entry of a chain detached by `take`, in order.
    #[inline]
    fn replace_chain(&mut self, mut cursor: u32) {
        while cursor != NIL {
            let next = self.entries.next(cursor);
            self.place(cursor, self.entries.deadline(cursor));
            cursor = next;
        }
    }

    /// The list where a live entry due at `deadline` is, and its level (0
    /// for the pending and overflow lists). Entries are never out of place:
    /// one due at or before the current tick is pending; any other stays in
    /// the level and slot it was put in until that slot expires, and the
    /// current tick cannot pass the slot's start before it does, so the level
    /// and slot computed now are the ones computed then.
    #[inline]
    fn list_of(&self, deadline: u64) -> (ListId, usize) {
        if deadline <= self.elapsed {
            return (PENDING, 0);
        }
        let lvl = level::level_for(self.elapsed, deadline);
        if lvl >= self.levels.count() {
            (OVERFLOW, 0)
        } else {
            (slot_list(lvl, level::slot_for(lvl, deadline), deadline), lvl)
        }
    }

    /// [`place`](Self::place) for an entry of the level-1 slot just expired:
    /// the current tick is that slot's start, so the entry is due in the
    /// current block of 4096 ticks and goes to level 0, or is pending if due
    /// now. Fewer instructions than `place`, for the wheel's busiest move.
    #[inline]
    fn place_in_level0(&mut self, index: u32) {
        let deadline = self.entries.deadline(index);
        debug_assert_eq!(deadline >> level::SLOT_BITS, self.elapsed >> level::SLOT_BITS);
        if deadline <= self.elapsed {
            self.entries.push_back(PENDING, index);
        } else {
            let slot = deadline as usize % SLOTS;
            self.levels.set(0, slot);
            self.entries.push_back(slot_list(0, slot, deadline), index);
        }
    }

    /// Links entry `index` (on no list) where `deadline` belongs.
    #[inline]
    fn place(&mut self, index: u32, deadline: u64) {
        let (list, lvl) = self.list_of(deadline);
        if list >= FIRST_SLOT {
            let slot = level::slot_for(lvl, deadline);
            if lvl == 1 {
                self.sublists[slot] |= 1 << sublist(deadline);
            }
            self.levels.set(lvl, slot);
        } else if list == OVERFLOW {
            self.overflow_min = self.overflow_min.min(deadline);
        }
        self.entries.push_back(list, index);
    }
}
