//! `SignalShutdown`: the ready-made machine that stops (or drains) the loop
//! on a signal.

use std::io;
use std::marker::PhantomData;
use std::time::Duration;

use super::{Created, Machine, MachineError, Response, Scope};
use crate::unix::Signals;
use crate::{EventSet, PollOpt};

/// Stops the loop when one of its signals arrives (typically `SIGINT` and
/// `SIGTERM`), so `run` returns and everything the loop owns is dropped and
/// closed. Generic over the loop's context; add it as one variant of a
/// composed server.
///
/// Made with [`draining`](SignalShutdown::draining), it drains the loop
/// instead ([`Scope::drain_loop`]): the first signal closes the listeners
/// and lets connections finish, for at most a grace period; a second
/// signal (or any signal once the loop drains) stops the loop at once. Such
/// a watcher is a [daemon](Created::daemon): the drain does not wait for
/// it.
///
/// # Examples
///
/// ```no_run
/// use mio_core::machine::{Loop, LoopConfig, SignalShutdown};
///
/// let mut lp = Loop::<SignalShutdown<()>>::new(&LoopConfig::new())?;
/// lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope)).unwrap();
/// lp.run(())?; // returns on Ctrl-C
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SignalShutdown<C> {
    signals: Signals,
    /// How long a drain may take; `None`: stop at once.
    grace: Option<Duration>,
    _context: PhantomData<fn(&mut C)>,
}

impl<C> SignalShutdown<C> {
    /// Starts receiving `signals` and registers them under the new machine's
    /// token. Fails (see [`Signals::new`]) if another `Signals` is alive.
    pub fn new<X>(signals: &[i32], scope: &mut Scope<'_, X>) -> Created<Self> {
        Self::watch(signals, None, scope)
    }

    /// As [`new`](SignalShutdown::new), but the first signal drains the
    /// loop for at most `grace` (its deadline is the signal's time plus
    /// `grace`); the next one stops it at once. The new machine is a
    /// [daemon](Created::daemon).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use mio_core::machine::{Loop, LoopConfig, SignalShutdown};
    ///
    /// let mut lp = Loop::<SignalShutdown<()>>::new(&LoopConfig::new())?;
    /// let signals = [libc::SIGINT, libc::SIGTERM];
    /// lp.add_machine_with(|scope| SignalShutdown::draining(&signals, Duration::from_secs(5), scope)).unwrap();
    /// lp.run(())?; // returns on Ctrl-C: at once here, as only daemons are left
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn draining<X>(signals: &[i32], grace: Duration, scope: &mut Scope<'_, X>) -> Created<Self> {
        Self::watch(signals, Some(grace), scope).daemon()
    }

    fn watch<X>(signals: &[i32], grace: Option<Duration>, scope: &mut Scope<'_, X>) -> Created<Self> {
        let signals = match Signals::new(signals) {
            Ok(s) => s,
            Err(e) => return Created::error(e.into()),
        };
        match scope.register(&signals, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(SignalShutdown { signals, grace, _context: PhantomData }),
            Err(e) => Created::error(e.into()),
        }
    }
}

impl<C> Machine for SignalShutdown<C> {
    type Context = C;
    type Seed = ();

    /// Never spawned: a seed is refused.
    fn create(_: (), _: &mut Scope<'_, C>) -> Created<Self> {
        Created::error(MachineError::new(io::ErrorKind::Unsupported, "SignalShutdown is not made from a seed"))
    }

    fn ready(self, _: EventSet, scope: &mut Scope<'_, C>) -> Response<Self, ()> {
        while let Ok(Some(_)) = self.signals.receive() {
            match self.grace {
                Some(grace) if !scope.is_draining() => {
                    let deadline = scope.now() + grace;
                    scope.drain_loop(deadline);
                }
                _ => scope.shutdown_loop(),
            }
        }
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, C>) -> Response<Self, ()> {
        Response::ok(self)
    }
}
