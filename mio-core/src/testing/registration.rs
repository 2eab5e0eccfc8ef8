//! `Registration`: what a simulated source recorded of its registration,
//! and the readiness an edge-triggered epoll would report for it.

use std::io;

use crate::{EventSet, Token};

/// A simulated source's registration: recorded, never given to the loop's
/// epoll; the harness delivers `pending` to `token`.
#[derive(Debug, Default)]
pub(crate) struct Registration {
    /// The registered interest (`None`: not registered).
    pub(crate) interest: Option<EventSet>,
    /// The token it is registered under.
    pub(crate) token: Option<Token>,
    /// Readiness an edge-triggered epoll would report at the next poll.
    pub(crate) pending: EventSet,
}

impl Registration {
    /// Queues `events` for the next poll as an edge: readable and writable
    /// only if registered for them; hup and error always (as epoll does).
    pub(crate) fn edge(&mut self, events: EventSet) {
        let Some(interest) = self.interest else { return };
        self.pending |= events & (interest | EventSet::hup() | EventSet::error());
    }

    /// `register` (`first`) or `reregister`; `level` is what is ready now,
    /// which epoll_ctl reports at once, edge-triggered or not.
    pub(crate) fn set(&mut self, first: bool, token: Token, interest: EventSet, level: EventSet) -> io::Result<()> {
        match (first, self.interest.is_some()) {
            (true, true) => return Err(io::ErrorKind::AlreadyExists.into()),
            (false, false) => return Err(io::ErrorKind::NotFound.into()),
            _ => {}
        }
        self.interest = Some(interest);
        self.token = Some(token);
        self.edge(level);
        Ok(())
    }

    /// `deregister`.
    pub(crate) fn remove(&mut self) -> io::Result<()> {
        if self.interest.is_none() {
            return Err(io::ErrorKind::NotFound.into());
        }
        self.close();
        Ok(())
    }

    /// The source is gone: nothing more is reported.
    pub(crate) fn close(&mut self) {
        self.interest = None;
        self.pending = EventSet::none();
    }

    /// Takes what is pending, with the token to deliver it to.
    pub(crate) fn take(&mut self) -> Option<(Token, EventSet)> {
        let events = std::mem::take(&mut self.pending);
        match self.token {
            Some(token) if !events.is_none() => Some((token, events)),
            _ => None,
        }
    }
}
