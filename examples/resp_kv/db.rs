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
//!
//! Every key also has a slot in [`Slots`], which SCAN walks by index: a key
//! keeps its slot while it lives, so a scan returns every key that exists
//! from its start to its end (once), whatever else is added or removed.

use std::collections::HashMap;
use std::rc::Rc;
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
    /// Its key's index in [`Slots`].
    slot: usize,
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
    /// The sum of their expiry ticks (for INFO's average TTL).
    sum_at: u128,
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
        self.sum_at += u128::from(at);
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
            self.sum_at -= u128::from(expiry.at);
        }
    }
}

/// Every key at a fixed index while it lives, for SCAN's cursor: a
/// removed key leaves a hole that a later key fills. The key is shared
/// with the map (`Rc`), not copied.
#[derive(Debug, Default)]
struct Slots {
    keys: Vec<Option<Rc<[u8]>>>,
    holes: Vec<usize>,
}

impl Slots {
    fn insert(&mut self, key: Rc<[u8]>) -> usize {
        match self.holes.pop() {
            Some(slot) => {
                self.keys[slot] = Some(key);
                slot
            }
            None => {
                self.keys.push(Some(key));
                self.keys.len() - 1
            }
        }
    }

    fn remove(&mut self, slot: usize) {
        self.keys[slot] = None;
        self.holes.push(slot);
    }
}

/// The database.
#[derive(Debug)]
pub struct Db {
    map: HashMap<Rc<[u8]>, Entry>,
    slots: Slots,
    expiries: Expiries,
    epoch: Instant,
    /// The longest value a command may make (APPEND): `proto-max-bulk-len`.
    pub max_value: usize,
}

impl Db {
    pub fn new(epoch: Instant) -> Db {
        Db::with_expiry_timers(epoch, EXPIRY_TIMERS)
    }

    /// A database whose expiry wheel holds `timers` keys (the server's
    /// holds [`EXPIRY_TIMERS`]; tests that make thousands of databases
    /// take a small one).
    pub fn with_expiry_timers(epoch: Instant, timers: usize) -> Db {
        let wheel = TimerWheel::with_capacity(timers);
        let expiries = Expiries { wheel, volatile: 0, sum_at: 0, armed: None, expirer: None };
        Db { map: HashMap::new(), slots: Slots::default(), expiries, epoch, max_value: usize::MAX }
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
            None => {
                let key: Rc<[u8]> = key.into();
                let slot = self.slots.insert(key.clone());
                self.map.entry(key).or_insert(Entry { value, expiry: None, slot })
            }
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
                self.slots.remove(entry.slot);
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
        self.slots = Slots::default();
    }

    /// Removes the TTL of a live key; whether it had one (PERSIST).
    pub fn persist(&mut self, key: &[u8], now: u64) -> bool {
        self.expire_if_due(key, now);
        match self.map.get_mut(key) {
            Some(entry) if entry.expiry.is_some() => {
                self.expiries.clear(entry);
                true
            }
            _ => false,
        }
    }

    /// The live value of `key`, to replace (APPEND); its TTL stays.
    pub fn value_mut(&mut self, key: &[u8], now: u64) -> Option<&mut Bytes> {
        self.expire_if_due(key, now);
        self.map.get_mut(key).map(|entry| &mut entry.value)
    }

    /// Every live key, in no order (KEYS).
    pub fn keys(&self, now: u64) -> impl Iterator<Item = &[u8]> {
        self.map.iter().filter(move |(_, entry)| !entry.expired(now)).map(|(key, _)| &**key)
    }

    /// How many slots a scan runs over: its cursor is a slot index.
    pub fn slots(&self) -> usize {
        self.slots.keys.len()
    }

    /// The key in `slot`, if there is one and it is live (SCAN).
    pub fn slot(&self, slot: usize, now: u64) -> Option<&[u8]> {
        let key = self.slots.keys.get(slot)?.as_deref()?;
        if self.expiries.volatile > 0 && self.map.get(key).is_some_and(|entry| entry.expired(now)) {
            return None;
        }
        Some(key)
    }

    /// How many keys have a TTL (INFO's `expires`).
    pub fn volatile(&self) -> usize {
        self.expiries.volatile
    }

    /// The average time to live of the keys with a TTL, in milliseconds;
    /// 0 if there are none (INFO's `avg_ttl`).
    pub fn average_ttl(&self, now: u64) -> u64 {
        match self.expiries.volatile {
            0 => 0,
            n => ((self.expiries.sum_at / n as u128) as u64).saturating_sub(now),
        }
    }

    /// Evicts up to `budget` keys due at `now`; returns how many it evicted
    /// and the tick to run again at (`now` if the budget ran out).
    pub fn evict_due(&mut self, now: u64, budget: usize) -> (usize, Option<u64>) {
        let mut evicted = 0;
        while evicted < budget {
            let Some(key) = self.expiries.wheel.poll(now) else { break };
            // The timer fired, so the handle in the entry is stale: forget it.
            if let Some(entry) = self.map.get_mut(&*key) {
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
