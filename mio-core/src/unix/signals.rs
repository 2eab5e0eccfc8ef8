//! `Signals`: receive Unix signals as readiness events.

use std::fs::File;
use std::io::{self, Read};

use crate::io_source::IoSource;
use crate::sys::signal::SignalPipe;
use crate::{EventSet, Evented, Poll, PollOpt, Token};

/// Delivers signals (e.g. `SIGINT`, `SIGTERM`) as readable events, so a
/// server can shut down cleanly from its loop.
///
/// While it lives, the given signals run a handler that writes the signal
/// number to a pipe; register the `Signals` readable and call
/// [`receive`](Signals::receive) on each event. Dropping it restores the
/// default action for those signals. Only one `Signals` may exist at a time.
///
/// # Examples
///
/// ```
/// use mio_core::unix::Signals;
/// use mio_core::{EventSet, Poll, PollOpt, Token};
///
/// let poll = Poll::new()?;
/// let signals = Signals::new(&[libc::SIGUSR2])?;
/// poll.register(&signals, Token(0), EventSet::readable(), PollOpt::edge())?;
/// # nix::sys::signal::raise(nix::sys::signal::Signal::SIGUSR2).unwrap();
/// assert_eq!(signals.receive()?, Some(libc::SIGUSR2));
/// assert_eq!(signals.receive()?, None);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Signals {
    reader: IoSource<File>,
    _pipe: SignalPipe,
}

impl Signals {
    /// Starts receiving `signals` (at most 8).
    ///
    /// # Errors
    ///
    /// * `InvalidInput`: more than 8 signals, or one that cannot be caught
    ///   (`SIGKILL`, `SIGSTOP`, out of range);
    /// * `AlreadyExists`: another `Signals` is alive in this process;
    /// * the OS error of `pipe2` or `sigaction`.
    pub fn new(signals: &[i32]) -> io::Result<Signals> {
        let (pipe, read) = SignalPipe::install(signals)?;
        Ok(Signals { reader: IoSource::new(File::from(read)), _pipe: pipe })
    }

    /// The next signal received, or `None` if none is pending.
    ///
    /// # Errors
    ///
    /// The OS error of `read(2)` other than `WouldBlock`.
    pub fn receive(&self) -> io::Result<Option<i32>> {
        let mut byte = [0u8; 1];
        match self.reader.do_io(|f| (&*f).read(&mut byte)) {
            Ok(1) => Ok(Some(i32::from(byte[0]))),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Evented for Signals {
    fn register(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.reader.register(poll, token, interest, opts)
    }

    fn reregister(&self, poll: &Poll, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.reader.reregister(poll, token, interest, opts)
    }

    fn deregister(&self, poll: &Poll) -> io::Result<()> {
        self.reader.deregister(poll)
    }
}
