//! `Address`: a `Copy` name for one machine of a loop, and `Gone`, what
//! using the name of a machine that ended gives.

use std::fmt;

use super::Wake;
use crate::Token;

/// One machine of a loop, by token and generation: `Copy`, small, and
/// never confused with a later machine that reuses the token.
///
/// A machine learns its own address from [`Scope::address`](super::Scope::address);
/// whoever creates one gets it from
/// [`Loop::add_machine_with`](super::Loop::add_machine_with) or, after a
/// spawn, [`Scope::spawned`](super::Scope::spawned). Hand it to other
/// machines of the same loop (in the context, or in a message) and they can
/// [`wake`](super::Scope::wake) the machine, [`send`](super::Scope::send_to) it
/// values or subscribe it to a [`Broadcast`](super::Broadcast). Once the
/// machine has ended, every use of its address is a typed no-op ([`Gone`],
/// [`SendError::Gone`](super::SendError::Gone)) that never reaches the
/// machine that holds the token next.
///
/// An address is valid in its own loop only: another loop's machine with
/// the same token and generation is a different machine.
///
/// # Examples
///
/// ```
/// use mio_core::machine::{Created, Loop, LoopConfig, Machine, Response, Scope};
/// use mio_core::EventSet;
///
/// struct Idle;
/// impl Machine for Idle {
///     type Context = ();
///     type Seed = ();
///     fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Idle> { Created::ok(Idle) }
///     fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Idle, ()> { Response::ok(self) }
///     fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Idle, ()> { Response::ok(self) }
/// }
///
/// let mut lp = Loop::<Idle>::new(&LoopConfig::new())?;
/// let first = lp.add_machine_with(|_| Created::ok(Idle))?;
/// let second = lp.add_machine_with(|scope| {
///     assert_ne!(scope.address(), first, "another machine, another address");
///     Created::ok(Idle)
/// })?;
/// assert_eq!(first.token(), mio_core::Token(0));
/// assert_eq!(second.token(), mio_core::Token(1));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    token: usize,
    generation: u32,
}

impl Address {
    pub(crate) const fn new(token: usize, generation: u32) -> Address {
        Address { token, generation }
    }

    /// The machine's token: its slot in the loop, and the token its sources
    /// are registered under. Tokens are reused; addresses are not.
    pub fn token(self) -> Token {
        Token(self.token)
    }

    /// The slot index.
    pub(crate) fn slot(self) -> usize {
        self.token
    }

    /// Which machine of the slot (see the table's generations).
    pub(crate) fn generation(self) -> u32 {
        self.generation
    }

    pub(crate) fn wake(self) -> Wake {
        Wake { token: self.token, generation: self.generation }
    }
}

/// The machine an [`Address`] names has ended (or never lived in this
/// loop): nothing was done, and nothing reached the machine that may hold
/// its token now. What [`Scope::wake`](super::Scope::wake) returns for a
/// stale address.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Gone;

impl fmt::Display for Gone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the machine has ended")
    }
}

impl std::error::Error for Gone {}
