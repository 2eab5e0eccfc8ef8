//! `Mailboxes<T>`: bounded mailboxes for values of type `T` sent between
//! machines of one loop.

use std::fmt;

use super::{Address, Scope};

/// One bounded mailbox per machine slot, for values of type `T`, allocated
/// once: the loop's context keeps it, and machines use it through
/// [`Scope::send_to`] and [`Scope::next_message`] (the context implements
/// `AsMut<Mailboxes<T>>`).
///
/// - **Bounded, no allocation per message**: each slot has room for
///   `per_machine` values, allocated in [`new`](Mailboxes::new); a full
///   mailbox hands the value back ([`SendError::Full`]).
/// - **In order**: a mailbox is first in, first out, so the values one
///   machine sends another arrive in the order they were sent.
/// - **Delivered this turn or the next**: a send wakes the receiver
///   through the loop's local wake-ups ([`Scope::wake`]), and the receiver
///   takes its values in [`Machine::wakeup`](super::Machine::wakeup). Wake-ups
///   coalesce: take every value there is (`while let Some(v) =
///   scope.next_message()`), or wake yourself to take the rest later.
/// - **Never lost while the receiver lives; the sender learns when it is
///   gone**: a send to a machine that has ended is refused with the value
///   ([`SendError::Gone`]). Values left in the mailbox of a machine that
///   ended are dropped when the next machine of that slot gets a value (or
///   [`discard`](Mailboxes::discard) drops them at once); they never reach
///   it.
///
/// Memory: `machines * per_machine` values of `T`, and 12 bytes per slot.
///
/// # Examples
///
/// A machine that counts up to 3 by sending itself numbers:
///
/// ```
/// use mio_core::machine::{Created, Loop, LoopConfig, Machine, Mailboxes, Response, Scope};
/// use mio_core::EventSet;
///
/// struct Context {
///     mailboxes: Mailboxes<u32>,
///     seen: Vec<u32>,
/// }
///
/// impl AsMut<Mailboxes<u32>> for Context {
///     fn as_mut(&mut self) -> &mut Mailboxes<u32> {
///         &mut self.mailboxes
///     }
/// }
///
/// struct Counter;
///
/// impl Machine for Counter {
///     type Context = Context;
///     type Seed = ();
///     fn create(_: (), _: &mut Scope<'_, Context>) -> Created<Counter> {
///         Created::ok(Counter)
///     }
///     fn ready(self, _: EventSet, _: &mut Scope<'_, Context>) -> Response<Counter, ()> {
///         Response::ok(self)
///     }
///     fn timeout(self, _: &mut Scope<'_, Context>) -> Response<Counter, ()> {
///         Response::ok(self)
///     }
///     fn wakeup(self, scope: &mut Scope<'_, Context>) -> Response<Counter, ()> {
///         while let Some(n) = scope.next_message::<u32>() {
///             scope.seen.push(n);
///             if n < 3 {
///                 let me = scope.address();
///                 scope.send_to(me, n + 1).expect("room for one");
///             } else {
///                 scope.shutdown_loop();
///             }
///         }
///         Response::ok(self)
///     }
/// }
///
/// let config = LoopConfig::new();
/// let mailboxes = Mailboxes::new(config.machine_capacity(), 4);
/// let mut lp = Loop::<Counter>::new(&config)?.instantiate(Context { mailboxes, seen: Vec::new() });
/// let counter = lp.add_machine_with(|_| Created::ok(Counter))?;
/// lp.add_machine_with(|scope| {
///     scope.send_to(counter, 1).expect("the counter is alive");
///     Created::ok(Counter)
/// })?;
/// lp.run()?;
/// assert_eq!(lp.context().seen, [1, 2, 3]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Mailboxes<T> {
    /// `per_machine` entries per slot, slot after slot.
    values: Vec<Option<T>>,
    boxes: Vec<Mailbox>,
    per_machine: usize,
}

/// One slot's mailbox: a ring in `values`.
#[derive(Copy, Clone, Debug)]
struct Mailbox {
    /// The generation of the machine the values are for.
    owner: Option<u32>,
    head: u32,
    len: u32,
}

const EMPTY: Mailbox = Mailbox { owner: None, head: 0, len: 0 };

/// Why [`Scope::send_to`] did not deliver a value; the value is handed back.
#[derive(Clone, PartialEq, Eq)]
pub enum SendError<T> {
    /// The receiver's mailbox holds `per_machine` values already: it has not
    /// taken them yet. Try again later (after it ran), or drop the value.
    Full(T),
    /// The receiver has ended (its address is stale): nothing was queued,
    /// and nothing reached the machine holding its token now.
    Gone(T),
    /// The receiver's token has no mailbox: the [`Mailboxes`] were made for
    /// fewer machines than the loop holds (see
    /// [`LoopConfig::machine_capacity`](super::LoopConfig::machine_capacity)).
    NoMailbox(T),
}

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendError::Full(v) | SendError::Gone(v) | SendError::NoMailbox(v) => v,
        }
    }

    /// Whether the receiver has ended (the address can be forgotten).
    pub fn is_gone(&self) -> bool {
        matches!(self, SendError::Gone(_))
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full(_) => "Full(..)",
            SendError::Gone(_) => "Gone(..)",
            SendError::NoMailbox(_) => "NoMailbox(..)",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full(_) => "the receiver's mailbox is full",
            SendError::Gone(_) => "the receiver has ended",
            SendError::NoMailbox(_) => "no mailbox for the receiver's token",
        })
    }
}

impl<T> std::error::Error for SendError<T> {}

impl<T> Mailboxes<T> {
    /// Mailboxes for a loop of `machines` slots (its
    /// [`LoopConfig::machine_capacity`](super::LoopConfig::machine_capacity)),
    /// each holding at most `per_machine` values (at least 1), all
    /// allocated now.
    ///
    /// # Panics
    ///
    /// As `Vec::with_capacity`, if `machines * per_machine` values do not
    /// fit in memory (a configuration error, at set-up).
    pub fn new(machines: usize, per_machine: usize) -> Mailboxes<T> {
        let per_machine = per_machine.clamp(1, u32::MAX as usize);
        let total = machines.checked_mul(per_machine).expect("Mailboxes: machines * per_machine overflows");
        let mut values = Vec::with_capacity(total);
        values.resize_with(total, || None);
        Mailboxes { values, boxes: vec![EMPTY; machines], per_machine }
    }

    /// How many values wait for the machine at `address`.
    pub fn len(&self, address: Address) -> usize {
        match self.boxes.get(address.slot()) {
            Some(b) if b.owner == Some(address.generation()) => b.len as usize,
            _ => 0,
        }
    }

    /// Whether no value waits for the machine at `address`.
    pub fn is_empty(&self, address: Address) -> bool {
        self.len(address) == 0
    }

    /// How many values one mailbox holds.
    pub fn per_machine(&self) -> usize {
        self.per_machine
    }

    /// Appends `value` to the mailbox of `to`, which the caller knows to be
    /// alive; values left there for an earlier machine of the slot are
    /// dropped first.
    pub(crate) fn push(&mut self, to: Address, value: T) -> Result<(), SendError<T>> {
        let Some(mailbox) = self.boxes.get(to.slot()).copied() else { return Err(SendError::NoMailbox(value)) };
        if mailbox.owner != Some(to.generation()) {
            self.clear(to.slot());
            self.boxes[to.slot()].owner = Some(to.generation());
        }
        let mailbox = &mut self.boxes[to.slot()];
        if mailbox.len as usize == self.per_machine {
            return Err(SendError::Full(value));
        }
        let at = (mailbox.head as usize + mailbox.len as usize) % self.per_machine;
        mailbox.len += 1;
        self.values[to.slot() * self.per_machine + at] = Some(value);
        Ok(())
    }

    /// Takes the oldest value for the machine at `me`.
    pub(crate) fn pop(&mut self, me: Address) -> Option<T> {
        let mailbox = self.boxes.get_mut(me.slot()).filter(|b| b.owner == Some(me.generation()) && b.len > 0)?;
        let at = me.slot() * self.per_machine + mailbox.head as usize;
        mailbox.head = ((mailbox.head as usize + 1) % self.per_machine) as u32;
        mailbox.len -= 1;
        self.values[at].take()
    }

    /// Drops the values waiting in the mailbox of `address` (a machine that
    /// ended, say), at once; they would otherwise be dropped when the slot's
    /// next machine gets a value.
    pub fn discard(&mut self, address: Address) {
        if self.boxes.get(address.slot()).is_some_and(|b| b.owner == Some(address.generation())) {
            self.clear(address.slot());
        }
    }

    fn clear(&mut self, slot: usize) {
        let start = slot * self.per_machine;
        for value in &mut self.values[start..start + self.per_machine] {
            *value = None;
        }
        self.boxes[slot] = EMPTY;
    }
}

impl<T> fmt::Debug for Mailboxes<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailboxes")
            .field("machines", &self.boxes.len())
            .field("per_machine", &self.per_machine)
            .finish_non_exhaustive()
    }
}

impl<C> Scope<'_, C> {
    /// Sends `value` to the machine at `to` (this one included) through
    /// the context's [`Mailboxes<T>`], and [wakes](Scope::wake) it: it takes
    /// the value with [`next_message`](Scope::next_message) in its `wakeup`, this turn
    /// or the next. No allocation; values one machine sends another arrive in
    /// order.
    ///
    /// # Errors
    ///
    /// The value comes back in a [`SendError`]: `Full` (the receiver has
    /// not taken its values yet), `Gone` (it has ended), `NoMailbox` (the
    /// mailboxes were made for fewer machines than the loop has).
    ///
    /// # Examples
    ///
    /// ```
    /// # use mio_core::machine::{Address, Mailboxes, Scope, SendError};
    /// fn tell<C: AsMut<Mailboxes<u64>>>(scope: &mut Scope<'_, C>, peer: Address, n: u64) -> bool {
    ///     match scope.send_to(peer, n) {
    ///         Ok(()) => true,
    ///         Err(SendError::Full(n)) => false, // keep `n`, send it later
    ///         Err(_) => false,                  // gone: forget `peer`
    ///     }
    /// }
    /// ```
    pub fn send_to<T>(&mut self, to: Address, value: T) -> Result<(), SendError<T>>
    where
        C: AsMut<Mailboxes<T>>,
    {
        if !self.core.wakes.is_live(to) {
            return Err(SendError::Gone(value));
        }
        AsMut::<Mailboxes<T>>::as_mut(&mut *self.context).push(to, value)?;
        // Alive (checked above): the wake-up is queued, or is already.
        let _ = self.core.wakes.wake(to);
        Ok(())
    }

    /// Takes the oldest value sent to this machine, if any (see
    /// [`send_to`](Scope::send_to)).
    pub fn next_message<T>(&mut self) -> Option<T>
    where
        C: AsMut<Mailboxes<T>>,
    {
        let me = self.address();
        AsMut::<Mailboxes<T>>::as_mut(&mut *self.context).pop(me)
    }
}

#[cfg(test)]
#[path = "mailboxes_tests.rs"]
mod tests;
