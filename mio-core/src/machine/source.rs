//! Sources: a machine that owns several sockets learns which one an event
//! is for.
//!
//! A socket registered through [`Scope::register_source`] carries a small
//! source index in the high bits of its poll token, above the machine's
//! token. Machine tokens are below 2^24 ([`MAX_PREALLOCATED`]), so the
//! dispatch splits an event's token with a mask and a shift, no lookup, and
//! hands the index to the machine through [`Scope::source`]. A socket
//! registered with plain [`Scope::register`] is source 0.
//!
//! [`MAX_PREALLOCATED`]: crate::MAX_PREALLOCATED

use std::io;

use super::Scope;
use crate::{EventSet, Evented, PollOpt, Token};

/// How far the source index is shifted: above every machine token.
const SOURCE_SHIFT: u32 = crate::MAX_PREALLOCATED.trailing_zeros();

/// The machine token's bits of a registered token.
const TOKEN_MASK: usize = (1 << SOURCE_SHIFT) - 1;

/// How many sources one machine may register: indices `0..MAX_SOURCES`.
/// Seven bits, so a registered token never reaches the loop's reserved
/// `Token(usize::MAX)`, not even with 32-bit tokens.
pub const MAX_SOURCES: usize = 128;

/// Splits a registered token into the machine's token and the source index.
#[inline(always)]
pub(crate) fn split(token: usize) -> (usize, u8) {
    (token & TOKEN_MASK, (token >> SOURCE_SHIFT) as u8)
}

/// The token `source` of machine `token` is registered under.
fn join(token: Token, source: usize) -> io::Result<Token> {
    if source >= MAX_SOURCES {
        let msg = "a machine's source index must be below machine::MAX_SOURCES (128)";
        return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    }
    Ok(Token(token.0 | source << SOURCE_SHIFT))
}

impl<C> Scope<'_, C> {
    /// Which of this machine's sources the event being handled is for: the
    /// index it was registered with ([`register_source`](Scope::register_source)),
    /// 0 for a source registered with [`register`](Scope::register). Set in
    /// [`Machine::ready`](super::Machine::ready); 0 in every other call.
    ///
    /// # Examples
    ///
    /// A machine that owns a client and an upstream socket:
    ///
    /// ```no_run
    /// # use mio_core::machine::Scope;
    /// # use mio_core::tcp::TcpStream;
    /// # use mio_core::{EventSet, PollOpt};
    /// const CLIENT: usize = 0;
    /// const UPSTREAM: usize = 1;
    ///
    /// # fn f(scope: &mut Scope<'_, ()>, client: &TcpStream, upstream: &TcpStream) -> std::io::Result<()> {
    /// scope.register_source(client, CLIENT, EventSet::readable(), PollOpt::edge())?;
    /// scope.register_source(upstream, UPSTREAM, EventSet::writable(), PollOpt::edge())?;
    /// // ... later, in `Machine::ready`:
    /// match scope.source() {
    ///     CLIENT => { /* the client is ready */ }
    ///     _ => { /* the upstream is */ }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn source(&self) -> usize {
        self.source as usize
    }

    /// Registers `io` under this machine's token as its source number
    /// `source` (below [`MAX_SOURCES`]); [`source`](Scope::source) tells
    /// the machine which source an event is for. Source 0 is what
    /// [`register`](Scope::register) registers.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a source index of [`MAX_SOURCES`] or more; else as
    /// [`Poll::register`](crate::Poll::register).
    pub fn register_source<E: Evented + ?Sized>(
        &mut self,
        io: &E,
        source: usize,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        self.poll.register(io, join(self.token, source)?, interest, opts)
    }

    /// Changes the registration of `io`, keeping it (or making it) this
    /// machine's source number `source`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a source index of [`MAX_SOURCES`] or more; else as
    /// [`Poll::reregister`](crate::Poll::reregister).
    pub fn reregister_source<E: Evented + ?Sized>(
        &mut self,
        io: &E,
        source: usize,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        self.poll.reregister(io, join(self.token, source)?, interest, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_undoes_join_for_every_source() {
        for token in [0, 1, 4095, crate::MAX_PREALLOCATED - 1] {
            for source in 0..MAX_SOURCES {
                let joined = join(Token(token), source).unwrap();
                assert_eq!(split(joined.0), (token, source as u8));
                assert_ne!(joined, Token(usize::MAX));
            }
        }
        assert_eq!(join(Token(3), MAX_SOURCES).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }
}
