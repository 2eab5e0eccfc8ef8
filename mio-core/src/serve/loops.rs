//! `Loops`: a running loop group; `Stopper`: stops it from any thread.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::error::{GroupError, LoopFailure, Stage};
use super::supervisor::{StopSignal, Supervisor};
use crate::channel::Sender;
use crate::machine::Wake;
use crate::EventLoop;

/// The loops' threads and the supervisor that hears from them. Dropping it
/// stops and joins every loop.
#[derive(Debug)]
pub(crate) struct Threads<T: Send> {
    pub(crate) event_loop: EventLoop<Supervisor<T>>,
    pub(crate) supervisor: Supervisor<T>,
    /// Spawned threads and their loop indexes.
    pub(crate) joins: Vec<(usize, JoinHandle<Result<(), LoopFailure>>)>,
    /// Failures seen so far (spawning, the supervisor's own poll).
    pub(crate) failures: Vec<LoopFailure>,
}

impl<T: Send> Threads<T> {
    /// Runs the supervisor until `done` holds; its poll failing counts as a
    /// failure of the group and stops every loop.
    pub(crate) fn turn_until(&mut self, mut done: impl FnMut(&Supervisor<T>) -> bool) {
        while !done(&self.supervisor) {
            if let Err(e) = self.event_loop.run_once(&mut self.supervisor, None) {
                self.failures.push(LoopFailure::new(None, Stage::Run, e));
                self.supervisor.stop_all();
                return;
            }
        }
    }

    /// Stops every loop, waits until each has exited, joins the threads,
    /// and returns every failure.
    pub(crate) fn finish(&mut self) -> Vec<LoopFailure> {
        self.supervisor.stop_all();
        let spawned = self.joins.len();
        // Late `Ready` notices are answered with a wake-up, so every loop
        // that started ends.
        self.turn_until(|s| s.exited >= spawned);
        let mut failures = std::mem::take(&mut self.failures);
        for (index, join) in self.joins.drain(..) {
            match join.join() {
                Ok(Ok(())) => {}
                Ok(Err(failure)) => failures.push(failure),
                Err(panic) => {
                    let what = match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
                        (Some(s), _) => (*s).to_owned(),
                        (_, Some(s)) => s.clone(),
                        _ => "panicked".to_owned(),
                    };
                    failures.push(LoopFailure::new(Some(index), Stage::Panic, io::Error::other(what)));
                }
            }
        }
        failures
    }
}

impl<T: Send> Drop for Threads<T> {
    fn drop(&mut self) {
        if !self.joins.is_empty() {
            self.finish();
        }
    }
}

/// A running group of loops, made by
/// [`LoopGroup::spawn`](super::LoopGroup::spawn): every loop is set up and
/// running on its own thread, and every listener bound.
///
/// [`wait`](Loops::wait) blocks until the group stops — a shutdown signal,
/// [`stop`](Loops::stop), or the end of any one loop — and returns every
/// loop's error. Dropping `Loops` without waiting stops the loops and joins
/// their threads too (their errors are then lost).
///
/// `T` is what the caller's setup returned for each loop, in loop order:
/// typically a [`Notifier`](crate::machine::Notifier) of a machine that
/// takes messages from outside (see [`handles`](Loops::handles)).
#[derive(Debug)]
pub struct Loops<T: Send> {
    pub(crate) threads: Threads<T>,
    pub(crate) handles: Vec<T>,
    pub(crate) local_addr: SocketAddr,
    pub(crate) stopper: Stopper,
}

impl<T: Send> Loops<T> {
    /// The address every loop listens on (with the port the system picked,
    /// if the group was given port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What the setup returned for each loop, by loop index: the way to
    /// reach one loop, or every loop, from outside.
    ///
    /// Loops share nothing, so a thing they all need to hear about (a
    /// configuration reload, say) is posted to each: have the setup return a
    /// [`Notifier`](crate::machine::Notifier) of a machine that
    /// handles it (with a queue of its own for data, such as a
    /// `std::sync::mpsc::Receiver` it owns), then call
    /// [`wakeup`](crate::machine::Notifier::wakeup) on one handle or on all.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use mio_core::machine::Notifier;
    /// # fn f(loops: &mio_core::serve::Loops<Notifier>) -> Result<(), mio_core::machine::WakeupError> {
    /// for notifier in loops.handles() {
    ///     notifier.wakeup()?; // every loop
    /// }
    /// loops.handles()[1].wakeup()?; // loop 1 only
    /// # Ok(()) }
    /// ```
    pub fn handles(&self) -> &[T] {
        &self.handles
    }

    /// A handle that stops the group from any thread (`Send + Sync +
    /// Clone`).
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Asks every loop to stop after its current turn; [`wait`](Loops::wait)
    /// then returns.
    pub fn stop(&self) {
        self.stopper.stop();
    }

    /// Drains every loop ([`LoopInstance::drain`](crate::machine::LoopInstance::drain)),
    /// each for at most `grace` from when it hears of it: listeners close
    /// at once, connections finish what they started. Each loop ends when
    /// its drain is over, and [`wait`](Loops::wait) returns once every loop
    /// ended; [`stop`](Loops::stop) still stops them all at once. Only the
    /// first drain counts.
    pub fn drain(&self, grace: Duration) {
        self.stopper.drain(grace);
    }

    /// Blocks until the group stops — one of its shutdown signals arrived,
    /// [`stop`](Loops::stop) was called, or any loop ended (a machine called
    /// [`Scope::shutdown_loop`](crate::machine::Scope::shutdown_loop), or the
    /// loop failed) — then stops every loop, joins every thread, and returns.
    /// Once the group drains ([`drain`](Loops::drain), or a signal with
    /// [`LoopGroup::drain_on_signal`](super::LoopGroup::drain_on_signal)),
    /// it waits for every loop to end instead.
    ///
    /// # Errors
    ///
    /// Every loop's failure ([`Stage::Run`] for a poll error, [`Stage::Panic`]
    /// for a panic), in one [`GroupError`].
    pub fn wait(mut self) -> Result<(), GroupError> {
        let spawned = self.threads.joins.len();
        // A drain ends each loop in its own time: no stop until the last.
        self.threads.turn_until(|s| s.stop.is_set() || s.exited >= spawned);
        match GroupError::from_failures(self.threads.finish()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Stops a running loop group from any thread: made by
/// [`Loops::stopper`]. Stopping twice is harmless.
///
/// # Examples
///
/// ```no_run
/// # fn f(loops: mio_core::serve::Loops<()>) -> Result<(), mio_core::serve::GroupError> {
/// let stopper = loops.stopper();
/// std::thread::spawn(move || {
///     // ... when it is time to go:
///     stopper.stop();
/// });
/// loops.wait()?; // returns once every loop stopped
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Stopper {
    pub(crate) signal: StopSignal,
    pub(crate) wakers: Arc<[Sender<Wake>]>,
}

impl Stopper {
    /// Asks every loop to stop after its current turn (waking it if it
    /// sleeps).
    pub fn stop(&self) {
        self.signal.stop(self.wakers.iter());
    }

    /// Drains every loop for at most `grace` (see [`Loops::drain`]).
    pub fn drain(&self, grace: Duration) {
        self.signal.drain(grace, self.wakers.iter());
    }

    /// Whether a stop was asked for (by this or any other means: a signal,
    /// a loop's end).
    pub fn is_stopped(&self) -> bool {
        self.signal.is_set()
    }
}
