//! `SignalShutdown`: the ready-made machine that stops the loop on a signal.

use std::io;
use std::marker::PhantomData;

use super::{Created, Machine, MachineError, Response, Scope};
use crate::unix::Signals;
use crate::{EventSet, PollOpt};

/// Stops the loop when one of its signals arrives (typically `SIGINT` and
/// `SIGTERM`), so `run` returns and everything the loop owns is dropped and
/// closed. Generic over the loop's context; add it as one variant of a
/// composed server.
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
    _context: PhantomData<fn(&mut C)>,
}

impl<C> SignalShutdown<C> {
    /// Starts receiving `signals` and registers them under the new machine's
    /// token. Fails (see [`Signals::new`]) if another `Signals` is alive.
    pub fn new<X>(signals: &[i32], scope: &mut Scope<'_, X>) -> Created<Self> {
        let signals = match Signals::new(signals) {
            Ok(s) => s,
            Err(e) => return Created::error(e.into()),
        };
        match scope.register(&signals, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(SignalShutdown { signals, _context: PhantomData }),
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
            scope.shutdown_loop();
        }
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, C>) -> Response<Self, ()> {
        Response::ok(self)
    }
}
