//! TEMPORARY naive timer store with the wheel's API (replaced by the real wheel).

use slab::Slab;

use super::TimerError;

/// A handle to a pending timeout, for [`TimerWheel::cancel`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timeout {
    index: u32,
    generation: u32,
}

/// A fixed-capacity timer store (placeholder).
#[derive(Debug)]
pub struct TimerWheel<T> {
    entries: Slab<(u64, u64, u32, T)>,
    capacity: usize,
    now: u64,
    seq: u64,
    generation: u32,
}

impl<T> TimerWheel<T> {
    /// Preallocates room for `capacity` timers.
    pub fn with_capacity(capacity: usize) -> Self {
        TimerWheel { entries: Slab::with_capacity(capacity), capacity, now: 0, seq: 0, generation: 0 }
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts `payload` due at tick `deadline`.
    ///
    /// # Errors
    ///
    /// `TimerError` (with the payload) when full.
    pub fn insert(&mut self, deadline: u64, payload: T) -> Result<Timeout, (TimerError, T)> {
        if self.entries.len() >= self.capacity {
            return Err((TimerError, payload));
        }
        self.seq += 1;
        self.generation = self.generation.wrapping_add(1);
        let index = self.entries.insert((deadline, self.seq, self.generation, payload)) as u32;
        Ok(Timeout { index, generation: self.generation })
    }

    /// Cancels a pending timer.
    pub fn cancel(&mut self, t: Timeout) -> Option<T> {
        match self.entries.get(t.index as usize) {
            Some(e) if e.2 == t.generation => Some(self.entries.remove(t.index as usize).3),
            _ => None,
        }
    }

    /// Earliest deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        self.entries.iter().map(|(_, e)| e.0).min()
    }

    /// Pops one payload due at or before `now`.
    pub fn poll(&mut self, now: u64) -> Option<T> {
        self.now = now;
        let (key, _) = self.entries.iter().filter(|(_, e)| e.0 <= now).min_by_key(|(_, e)| (e.0, e.1))?;
        Some(self.entries.remove(key).3)
    }
}
