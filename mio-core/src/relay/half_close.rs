//! `HalfClose`: the sockets a relay can pass an end of stream on to.

use std::io;
use std::net::Shutdown;

use crate::tcp::TcpStream;
use crate::unix::UnixStream;

/// A stream socket whose write side can be shut down alone, so the peer
/// reads end of stream while it may still send: how a
/// [`Relay`](super::Relay) passes one side's end of stream on to the other.
pub trait HalfClose {
    /// Shuts down the write side (`shutdown(SHUT_WR)`).
    ///
    /// # Errors
    ///
    /// The OS error of `shutdown` (`NotConnected` once the peer is gone).
    fn shutdown_write(&self) -> io::Result<()>;
}

impl HalfClose for TcpStream {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

impl HalfClose for UnixStream {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}
