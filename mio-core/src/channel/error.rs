//! `NotifyError`: why a message could not be sent.

use std::{error, fmt, io};

/// The error of [`Sender::send`](super::Sender::send). A message that was not
/// queued is always handed back.
#[derive(Debug)]
pub enum NotifyError<M> {
    /// The message was queued, but waking the loop failed (the waker's
    /// `write(2)` returned this error). The message is not lost: the loop
    /// receives it when it next wakes, and the next send tries the wake-up
    /// again.
    Io(io::Error),
    /// The queue is full (`notify_capacity` messages are waiting); here is the
    /// message back. The sender never blocks.
    Full(M),
    /// The loop is gone. `Some(m)`: this message was not delivered and is
    /// handed back.
    Closed(Option<M>),
}

impl<M> fmt::Display for NotifyError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotifyError::Io(e) => write!(f, "message queued but waking the event loop failed: {e}"),
            NotifyError::Full(_) => f.write_str("event loop channel is full"),
            NotifyError::Closed(_) => f.write_str("event loop is gone"),
        }
    }
}

impl<M: fmt::Debug> error::Error for NotifyError<M> {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match self {
            NotifyError::Io(e) => Some(e),
            _ => None,
        }
    }
}
