//! `IoEvent`: one readiness event.

use crate::{EventSet, Token};

/// One readiness event: what became ready, and for which token.
///
/// # Examples
///
/// ```
/// use mio_core::{EventSet, IoEvent, Token};
///
/// let ev = IoEvent::new(EventSet::readable(), Token(3));
/// assert!(ev.kind().is_readable());
/// assert_eq!(ev.token(), Token(3));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct IoEvent {
    kind: EventSet,
    token: Token,
}

impl IoEvent {
    /// Builds an event (useful in tests of handlers).
    pub fn new(kind: EventSet, token: Token) -> IoEvent {
        IoEvent { kind, token }
    }

    /// The readiness reported.
    pub fn kind(&self) -> EventSet {
        self.kind
    }

    /// The token given at registration.
    pub fn token(&self) -> Token {
        self.token
    }
}
