//! `Token`: the user's name for a registration.

/// Associates readiness events with the source they came from.
///
/// A token is chosen by the user at registration and handed back with every
/// event of that source; with a [`slab::Slab`]-style table it is usually the
/// index of the connection.
///
/// `Token(usize::MAX)` is reserved for the event loop's own use: registering it
/// fails with [`std::io::ErrorKind::InvalidInput`].
///
/// # Examples
///
/// ```
/// use mio_core::Token;
///
/// let t = Token(7);
/// assert_eq!(usize::from(t), 7);
/// assert_eq!(Token::from(7), t);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

impl Token {
    /// The reserved token, used by the loop internally.
    pub(crate) const RESERVED: Token = Token(usize::MAX);

    /// Returns the inner `usize`.
    pub fn as_usize(self) -> usize {
        self.0
    }
}

impl From<usize> for Token {
    fn from(val: usize) -> Token {
        Token(val)
    }
}

impl From<Token> for usize {
    fn from(val: Token) -> usize {
        val.0
    }
}
