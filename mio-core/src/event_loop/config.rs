//! `EventLoopConfig`: sizes and rates, fixed at construction.

use std::time::Duration;

use crate::poll::{DEFAULT_EVENTS_CAPACITY, DEFAULT_REGISTRATIONS};
use crate::timer::{Clock, ManualClock};

/// The largest count any preallocated table may be configured to (2^24):
/// larger values are `InvalidInput` instead of an allocation that aborts.
pub const MAX_PREALLOCATED: usize = 1 << 24;

/// Configuration of an [`EventLoop`](crate::EventLoop). Every buffer the loop
/// uses is allocated at construction from these sizes; nothing grows later.
///
/// Setters take `&mut self` and return `&mut Self`, as in mio 0.5.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::{EventLoop, EventLoopConfig};
///
/// let mut config = EventLoopConfig::new();
/// config.notify_capacity(1024).timer_tick(Duration::from_millis(5)).timer_capacity(1 << 20);
/// let event_loop: EventLoop<()> = EventLoop::configured(config)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EventLoopConfig {
    pub(crate) notify_capacity: usize,
    pub(crate) messages_per_tick: usize,
    pub(crate) timer_tick: Duration,
    pub(crate) timer_wheel_size: u64,
    pub(crate) timer_capacity: usize,
    pub(crate) events_capacity: usize,
    pub(crate) registrations: usize,
    pub(crate) clock: Clock,
}

impl Default for EventLoopConfig {
    fn default() -> EventLoopConfig {
        EventLoopConfig {
            notify_capacity: 4_096,
            messages_per_tick: 256,
            timer_tick: Duration::from_millis(1),
            timer_wheel_size: 1 << 36,
            timer_capacity: 65_536,
            events_capacity: DEFAULT_EVENTS_CAPACITY,
            registrations: DEFAULT_REGISTRATIONS,
            clock: Clock::System,
        }
    }
}

impl EventLoopConfig {
    /// The defaults: 4,096 queued messages, 256 messages per tick, 1 ms timer
    /// tick, 65,536 timers, 1,024 events per poll.
    pub fn new() -> EventLoopConfig {
        EventLoopConfig::default()
    }

    /// How many messages the channel holds before `send` returns `Full` (at
    /// least 1). Default 4,096.
    pub fn notify_capacity(&mut self, capacity: usize) -> &mut Self {
        self.notify_capacity = capacity;
        self
    }

    /// How many messages one turn delivers at most, so IO is not starved (at
    /// least 1). Default 256.
    pub fn messages_per_tick(&mut self, messages: usize) -> &mut Self {
        self.messages_per_tick = messages;
        self
    }

    /// The timer resolution (non-zero). Default 1 ms. A timeout never fires
    /// early and fires at most one tick late.
    pub fn timer_tick(&mut self, tick: Duration) -> &mut Self {
        self.timer_tick = tick;
        self
    }

    /// How many ticks ahead the wheel's levels cover; deadlines further out
    /// wait in an overflow list and are moved into the wheel as they come in
    /// range. Rounded up to a power of 4096 (one level per factor of 4096).
    /// Default 4096^3 = 2^36 ticks (about 2.2 years at 1 ms).
    pub fn timer_wheel_size(&mut self, ticks: u64) -> &mut Self {
        self.timer_wheel_size = ticks;
        self
    }

    /// How many timeouts may be pending at once; preallocated. Default 65,536.
    pub fn timer_capacity(&mut self, capacity: usize) -> &mut Self {
        self.timer_capacity = capacity;
        self
    }

    /// How many events one poll returns at most; preallocated. Default 1,024.
    pub fn events_capacity(&mut self, capacity: usize) -> &mut Self {
        self.events_capacity = capacity;
        self
    }

    /// How many sources may be registered at once on the portable poll(2)
    /// backend, whose table is preallocated (epoll ignores it); registering
    /// more is an `OutOfMemory` error. The loop's own waker does not count.
    /// Default 16,384.
    pub fn registrations(&mut self, capacity: usize) -> &mut Self {
        self.registrations = capacity;
        self
    }

    /// Reads time from `clock` instead of the OS, so tests move time by hand.
    pub fn clock(&mut self, clock: ManualClock) -> &mut Self {
        self.clock = Clock::Manual(clock);
        self
    }

    pub(crate) fn validate(&self) -> std::io::Result<()> {
        let bad = |what: &'static str| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, what));
        if self.notify_capacity == 0 || self.notify_capacity > MAX_PREALLOCATED {
            return bad("notify_capacity must be 1..=16,777,216");
        }
        if self.events_capacity > MAX_PREALLOCATED {
            return bad("events_capacity must be at most 16,777,216");
        }
        if self.messages_per_tick == 0 {
            return bad("messages_per_tick must be at least 1");
        }
        if self.timer_tick.is_zero() {
            return bad("timer_tick must not be zero");
        }
        if self.timer_capacity > MAX_PREALLOCATED {
            return bad("timer_capacity must be at most 16,777,216");
        }
        Ok(())
    }
}
