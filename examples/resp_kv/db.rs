//! The key space: a hash map of byte strings, plus the expiry index.
//!
//! Values are [`Bytes`]: a reply shares the stored value rather than
//! copying it, and a value overwritten or deleted while replies still send
//! it lives until they are written.
//!
//! Time is counted in milliseconds since the database was made (`u64`
//! ticks), the unit of the [`TimerWheel`] that indexes expiring keys. A key
//! is expired once `now >= at`. Expiry is lazy on access (every lookup
//! checks it) and eager through the wheel: the `Expirer` machine pops due
//! keys at the wheel's next deadline. When the wheel is full, new TTLs are
//! still honoured lazily, only not evicted on time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mio::machine::Notifier;
use mio::stream::Bytes;
use mio::timer::{Timeout, TimerWheel};

/// How many keys may have a timer-driven expiry at once.
pub const EXPIRY_TIMERS: usize = 1 << 20;

/// A value and its expiry.
#[derive(Debug)]
pub struct Entry {
    pub value: Bytes,
    expiry: Option<Expiry>,
}

#[derive(Debug)]
struct Expiry {
    at: u64,
    /// `None` when the wheel was full: expired lazily only.
    timer: Option<Timeout>,
}

impl Entry {
    fn expired(&self, now: u64) -> bool {
        self.expiry.as_ref().is_some_and(|x| now >= x.at)
    }
}

/// What `set` does with an existing TTL.
#[derive(Copy, Clone, Debug)]
pub enum Ttl {
    /// Drop it (plain `SET`).
    Clear,
    /// Keep it (`SET ... KEEPTTL`, `INCR`).
    Keep,
    /// Expire at this tick.
    At(u64),
}

/// The expiry index: the wheel of expiring keys and how to reach the
/// machine that evicts them.
#[derive(Debug)]
struct Expiries {
    wheel: TimerWheel<Box<[u8]>>,
    /// Keys with a TTL (timer or not): lookups skip the expiry check at 0.
    volatile: usize,
    /// The tick the expirer will wake at, if any.
    armed: Option<u64>,
    expirer: Option<Notifier>,
}

impl Expiries {
    fn set(&mut self, entry: &mut Entry, key: &[u8], at: u64) {
        self.clear(entry);
        let timer = self.wheel.insert(at, key.into()).ok();
        entry.expiry = Some(Expiry { at, timer });
        self.volatile += 1;
        if timer.is_some() && self.armed.is_none_or(|armed| at < armed) {
            // If the loop's channel is full, the expirer still wakes at its
            // older deadline, and the next earlier expiry tries again.
            if self.expirer.as_ref().is_some_and(|expirer| expirer.wakeup().is_ok()) {
                self.armed = Some(at);
            }
        }
    }

    fn clear(&mut self, entry: &mut Entry) {
        if let Some(expiry) = entry.expiry.take() {
            if let Some(timer) = expiry.timer {
                self.wheel.cancel(timer);
            }
            self.volatile -= 1;
        }
    }
}

/// The database.
#[derive(Debug)]
pub struct Db {
    map: HashMap<Box<[u8]>, Entry>,
    expiries: Expiries,
    epoch: Instant,
}

impl Db {
    pub fn new(epoch: Instant) -> Db {
        let expiries =
            Expiries { wheel: TimerWheel::with_capacity(EXPIRY_TIMERS), volatile: 0, armed: None, expirer: None };
        Db { map: HashMap::new(), expiries, epoch }
    }

    /// Tells the database which machine to wake when an earlier expiry is set.
    pub fn set_expirer(&mut self, notifier: Notifier) {
        self.expiries.expirer = Some(notifier);
    }

    /// The tick of `now`.
    pub fn tick(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// The instant of `tick`.
    pub fn instant(&self, tick: u64) -> Instant {
        self.epoch + Duration::from_millis(tick)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Drops `key` if it has expired.
    fn expire_if_due(&mut self, key: &[u8], now: u64) {
        if self.expiries.volatile > 0 && self.map.get(key).is_some_and(|e| e.expired(now)) {
            self.remove(key);
        }
    }

    /// The live value of `key`.
    pub fn get(&mut self, key: &[u8], now: u64) -> Option<&Entry> {
        self.expire_if_due(key, now);
        self.map.get(key)
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: &[u8], value: Bytes, ttl: Ttl) {
        let entry = match self.map.get_mut(key) {
            Some(entry) => {
                entry.value = value;
                entry
            }
            None => self.map.entry(key.into()).or_insert(Entry { value, expiry: None }),
        };
        match ttl {
            Ttl::Keep => {}
            Ttl::Clear => self.expiries.clear(entry),
            Ttl::At(at) => self.expiries.set(entry, key, at),
        }
    }

    /// Sets the TTL of an existing live key; `false` if there is none.
    pub fn expire_at(&mut self, key: &[u8], at: u64, now: u64) -> bool {
        self.expire_if_due(key, now);
        match self.map.get_mut(key) {
            Some(entry) => {
                self.expiries.set(entry, key, at);
                true
            }
            None => false,
        }
    }

    /// The tick `key` expires at: `Ok(None)` without a TTL, `Err(())` if
    /// the key does not exist.
    pub fn expiry(&mut self, key: &[u8], now: u64) -> Result<Option<u64>, ()> {
        let entry = self.get(key, now).ok_or(())?;
        Ok(entry.expiry.as_ref().map(|x| x.at))
    }

    /// Removes `key` (live or not); whether it was there.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.map.remove(key) {
            Some(mut entry) => {
                self.expiries.clear(&mut entry);
                true
            }
            None => false,
        }
    }

    /// Removes every key.
    pub fn flush(&mut self) {
        for (_, mut entry) in self.map.drain() {
            self.expiries.clear(&mut entry);
        }
    }

    /// Evicts up to `budget` keys due at `now`; returns how many it evicted
    /// and the tick to run again at (`now` if the budget ran out).
    pub fn evict_due(&mut self, now: u64, budget: usize) -> (usize, Option<u64>) {
        let mut evicted = 0;
        while evicted < budget {
            let Some(key) = self.expiries.wheel.poll(now) else { break };
            // The timer fired, so the handle in the entry is stale: forget it.
            if let Some(entry) = self.map.get_mut(&key) {
                if let Some(expiry) = entry.expiry.as_mut() {
                    expiry.timer = None;
                }
            }
            self.expire_if_due(&key, now);
            evicted += 1;
        }
        let next = if evicted == budget { Some(now) } else { self.expiries.wheel.next_deadline() };
        self.expiries.armed = next;
        (evicted, next)
    }
}
