//! `TimerError`: the timer's only failure.

use std::fmt;

/// Setting a timeout failed because every preallocated timer entry is in use
/// ([`EventLoopConfig::timer_capacity`](crate::EventLoopConfig::timer_capacity)).
///
/// The loop keeps working; clear or let fire some timeouts, or configure a
/// larger capacity.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TimerError;

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timer capacity exhausted")
    }
}

impl std::error::Error for TimerError {}
