//! Timers: a hierarchical hashed timer wheel, and the clock it reads.
//!
//! The [`EventLoop`](crate::EventLoop) owns one [`TimerWheel`] and sets
//! timeouts through [`EventLoop::timeout`](crate::EventLoop::timeout); the
//! wheel is public too, for users who drive their own loop.
//!
//! Files: `wheel.rs` is the public wheel, `level.rs` its level math and
//! occupancy bitmaps, `entries.rs` the fixed-capacity slab of entries linked
//! into per-slot lists by index. No `unsafe` anywhere in the timer.

#![forbid(unsafe_code)]

mod clock;
mod entries;
mod error;
mod level;
mod wheel;

#[cfg(test)]
mod tests;

pub(crate) use clock::Clock;
pub use clock::ManualClock;
pub use error::TimerError;
pub use wheel::{Timeout, TimerWheel, DEFAULT_HORIZON};
