//! `SimSocket`: a stream socket with no fd, whose far end is the test.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::rc::Rc;

use super::registration::Registration;
use crate::{EventSet, Evented, Poll, PollOpt, Token};

/// A simulated stream socket: the end a [`Stream`](crate::stream::Stream)
/// owns, while a [`Harness`](super::Harness) plays the peer.
///
/// It reads what the test sent ([`Harness::send`](super::Harness::send)),
/// returns `WouldBlock` when nothing is there, `Ok(0)` after the peer's end
/// of stream, and the error the test injected; it writes into the peer's
/// receive buffer as far as the window the test set allows, `WouldBlock`
/// when that is full. Registering it records the interest in the harness
/// (nothing reaches the loop's epoll); the harness then delivers readiness
/// as an edge-triggered epoll would. Dropping it is closing the connection.
///
/// It has `TcpStream`'s `set_nodelay` and `shutdown`, so a protocol that
/// calls them can be written once for both sockets (see the example
/// protocols in `examples/shared/`, which take their socket type from the
/// file that includes them).
///
/// Use it as `Protocol::Socket` in tests; a `SimSocket` is made only by
/// [`Harness::connect`](super::Harness::connect).
#[derive(Debug)]
pub struct SimSocket {
    pipe: Rc<RefCell<Pipe>>,
}

/// What both ends of a simulated connection share.
#[derive(Debug, Default)]
pub(crate) struct Pipe {
    /// Sent by the peer, not yet read by the stream.
    pub(crate) inbound: VecDeque<u8>,
    /// The peer closed its side (after `inbound`).
    pub(crate) eof: bool,
    /// The peer reset the connection.
    pub(crate) reset: bool,
    /// The next read fails with this.
    pub(crate) read_error: Option<io::ErrorKind>,
    /// The next write fails with this.
    pub(crate) write_error: Option<io::ErrorKind>,
    /// Written by the stream, not yet taken by the peer.
    pub(crate) outbound: Vec<u8>,
    /// How many bytes the peer's receive buffer holds (`None`: no bound).
    pub(crate) window: Option<usize>,
    /// The stream shut its writing side.
    pub(crate) write_shut: bool,
    /// The stream shut its reading side.
    pub(crate) read_shut: bool,
    /// Its registration, and the readiness pending for it.
    pub(crate) registration: Registration,
    /// The stream dropped its socket: the connection is closed.
    pub(crate) dropped: bool,
    /// The last error a read or write returned, other than `WouldBlock`.
    pub(crate) last_error: Option<io::ErrorKind>,
    /// How many `read` and `write` calls the stream made.
    pub(crate) reads: u64,
    pub(crate) writes: u64,
}

impl Pipe {
    /// Room left in the peer's receive buffer.
    pub(crate) fn room(&self) -> usize {
        self.window.map_or(usize::MAX, |w| w.saturating_sub(self.outbound.len()))
    }

    /// Readiness as the socket is now (level), before the interest.
    fn level(&self) -> EventSet {
        let mut ready = EventSet::none();
        if !self.inbound.is_empty() || self.eof || self.reset || self.read_error.is_some() {
            ready |= EventSet::readable();
        }
        if self.room() > 0 || self.reset || self.write_error.is_some() {
            ready |= EventSet::writable();
        }
        if self.eof || self.reset {
            ready |= EventSet::hup();
        }
        if self.reset || self.read_error.is_some() || self.write_error.is_some() {
            ready |= EventSet::error();
        }
        ready
    }

    /// Queues `events` for the next poll as an edge (see
    /// [`Registration::edge`]).
    pub(crate) fn edge(&mut self, events: EventSet) {
        self.registration.edge(events);
    }
}

impl SimSocket {
    pub(crate) fn new(pipe: Rc<RefCell<Pipe>>) -> SimSocket {
        SimSocket { pipe }
    }

    /// As `TcpStream::set_nodelay`: accepted and ignored.
    ///
    /// # Errors
    ///
    /// None; the signature is `TcpStream`'s.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        let _ = nodelay;
        Ok(())
    }

    /// As `TcpStream::shutdown`: the peer sees the write side shut
    /// ([`Harness::is_write_shut`](super::Harness::is_write_shut)); writes
    /// after it fail with `BrokenPipe`, reads after a read shutdown return
    /// end of stream.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the peer reset the connection.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let mut pipe = self.pipe.borrow_mut();
        if pipe.reset {
            return Err(io::ErrorKind::NotConnected.into());
        }
        if matches!(how, Shutdown::Write | Shutdown::Both) {
            pipe.write_shut = true;
        }
        if matches!(how, Shutdown::Read | Shutdown::Both) {
            pipe.read_shut = true;
        }
        Ok(())
    }

    fn fail(pipe: &mut Pipe, kind: io::ErrorKind) -> io::Error {
        pipe.last_error = Some(kind);
        kind.into()
    }
}

impl Read for SimSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut pipe = self.pipe.borrow_mut();
        pipe.reads += 1;
        if pipe.reset {
            return Err(SimSocket::fail(&mut pipe, io::ErrorKind::ConnectionReset));
        }
        if let Some(kind) = pipe.read_error.take() {
            return Err(SimSocket::fail(&mut pipe, kind));
        }
        if pipe.read_shut {
            return Ok(0);
        }
        if pipe.inbound.is_empty() {
            return if pipe.eof { Ok(0) } else { Err(io::ErrorKind::WouldBlock.into()) };
        }
        let n = buf.len().min(pipe.inbound.len());
        for (to, from) in buf.iter_mut().zip(pipe.inbound.drain(..n)) {
            *to = from;
        }
        Ok(n)
    }
}

impl Write for SimSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut pipe = self.pipe.borrow_mut();
        pipe.writes += 1;
        if pipe.reset {
            return Err(SimSocket::fail(&mut pipe, io::ErrorKind::ConnectionReset));
        }
        if let Some(kind) = pipe.write_error.take() {
            return Err(SimSocket::fail(&mut pipe, kind));
        }
        if pipe.write_shut {
            return Err(SimSocket::fail(&mut pipe, io::ErrorKind::BrokenPipe));
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Ok(0);
        }
        let mut room = pipe.room();
        if room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut written = 0;
        for buf in bufs {
            let n = buf.len().min(room);
            pipe.outbound.extend_from_slice(&buf[..n]);
            written += n;
            room -= n;
            if room == 0 {
                break;
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Evented for SimSocket {
    /// Records the registration (the loop's epoll is not touched).
    fn register(&self, _: &Poll, token: Token, interest: EventSet, _: PollOpt) -> io::Result<()> {
        let mut pipe = self.pipe.borrow_mut();
        let level = pipe.level();
        pipe.registration.set(true, token, interest, level)
    }

    fn reregister(&self, _: &Poll, token: Token, interest: EventSet, _: PollOpt) -> io::Result<()> {
        let mut pipe = self.pipe.borrow_mut();
        let level = pipe.level();
        pipe.registration.set(false, token, interest, level)
    }

    fn deregister(&self, _: &Poll) -> io::Result<()> {
        self.pipe.borrow_mut().registration.remove()
    }
}

impl Drop for SimSocket {
    fn drop(&mut self) {
        let mut pipe = self.pipe.borrow_mut();
        pipe.dropped = true;
        pipe.registration.close();
    }
}
