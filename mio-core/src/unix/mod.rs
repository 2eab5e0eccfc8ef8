//! Unix-specific sources: raw fds, Unix domain sockets and pipes.

mod evented_fd;
mod pipe;

pub use evented_fd::EventedFd;
pub use pipe::{pipe, PipeReader, PipeWriter};
