//! Timers: a hierarchical hashed timer wheel, and the clock it reads.
//!
//! The [`EventLoop`](crate::EventLoop) owns one [`TimerWheel`] and sets
//! timeouts through [`EventLoop::timeout`](crate::EventLoop::timeout); the
//! wheel is public too, for users who drive their own loop.

mod clock;
mod error;
mod wheel;

pub(crate) use clock::Clock;
pub use clock::ManualClock;
pub use error::TimerError;
pub use wheel::{Timeout, TimerWheel};
