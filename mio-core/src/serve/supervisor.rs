//! The supervisor: a small event loop on the caller's thread that hears from
//! the loops (set up, exited), catches the shutdown signals, and stops every
//! loop when one of them ends or a signal arrives.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::channel::Sender;
use crate::machine::Wake;
use crate::unix::Signals;
use crate::{EventLoop, EventLoopConfig, EventSet, Handler, PollOpt, Token};

/// What a loop's thread tells the supervisor.
#[derive(Debug)]
pub(crate) enum Notice<T> {
    /// The loop is set up and about to run.
    Ready(Ready<T>),
    /// The loop's thread is ending (sent from a guard, so also on panic).
    Exited,
}

/// A loop that is set up: where it listens, how to wake it, and what the
/// caller's setup returned for it.
#[derive(Debug)]
pub(crate) struct Ready<T> {
    pub(crate) index: usize,
    pub(crate) addr: SocketAddr,
    pub(crate) waker: Sender<Wake>,
    pub(crate) handle: T,
}

/// A wake-up for no machine: the loop takes a turn, sees the stop flag,
/// and returns.
const NOBODY: Wake = Wake { token: usize::MAX, generation: u32::MAX };

/// Stops or drains loops: the flags they check after every turn, and their
/// wakers.
#[derive(Debug, Clone)]
pub(crate) struct StopSignal {
    flag: Arc<AtomicBool>,
    /// 0, or the drain's grace period in nanoseconds plus one.
    drain: Arc<AtomicU64>,
}

impl StopSignal {
    pub(crate) fn new() -> StopSignal {
        StopSignal { flag: Arc::new(AtomicBool::new(false)), drain: Arc::new(AtomicU64::new(0)) }
    }

    /// The grace period of the drain asked for, if one was.
    pub(crate) fn drain_grace(&self) -> Option<Duration> {
        match self.drain.load(Ordering::SeqCst) {
            0 => None,
            n => Some(Duration::from_nanos(n - 1)),
        }
    }

    /// Asks each loop to drain for at most `grace` (the first ask counts),
    /// then wakes it, as [`stop`](StopSignal::stop) does.
    pub(crate) fn drain<'a>(&self, grace: Duration, wakers: impl IntoIterator<Item = &'a Sender<Wake>>) {
        let nanos = u64::try_from(grace.as_nanos()).unwrap_or(u64::MAX).min(u64::MAX - 1) + 1;
        let _ = self.drain.compare_exchange(0, nanos, Ordering::SeqCst, Ordering::SeqCst);
        for waker in wakers {
            let _ = waker.send(NOBODY);
        }
    }

    /// Whether a stop was asked for.
    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Sets the flag, then wakes each loop, so that a loop asleep in its
    /// poll takes a turn and sees it. A full channel needs no wake-up (the
    /// loop has messages to handle, so it does not sleep), and a closed one
    /// belongs to a loop that is gone.
    pub(crate) fn stop<'a>(&self, wakers: impl IntoIterator<Item = &'a Sender<Wake>>) {
        self.flag.store(true, Ordering::SeqCst);
        for waker in wakers {
            let _ = waker.send(NOBODY);
        }
    }
}

const SIGNALS: Token = Token(0);

/// The supervisor's state, the `Handler` of its event loop.
#[derive(Debug)]
pub(crate) struct Supervisor<T> {
    signals: Option<Signals>,
    /// With `Some`, the first signal drains the loops for at most this
    /// long, and the next one stops them.
    pub(crate) drain_grace: Option<Duration>,
    pub(crate) stop: StopSignal,
    /// Per loop: its waker once it is set up.
    pub(crate) wakers: Vec<Option<Sender<Wake>>>,
    /// Per loop: what the setup returned, until handed to the caller.
    pub(crate) handles: Vec<Option<T>>,
    /// Where loop 0 listens (the others bind the same address).
    pub(crate) addr: Option<SocketAddr>,
    pub(crate) ready: usize,
    pub(crate) exited: usize,
}

impl<T: Send> Supervisor<T> {
    /// A supervisor of `threads` loops and its event loop.
    ///
    /// # Errors
    ///
    /// The OS error of creating the event loop.
    pub(crate) fn new(threads: usize) -> io::Result<(EventLoop<Supervisor<T>>, Supervisor<T>)> {
        let mut config = EventLoopConfig::new();
        // Each loop sends at most two notices.
        config.notify_capacity(2 * threads + 2).timer_capacity(1).events_capacity(8).registrations(4);
        let event_loop = EventLoop::configured(config)?;
        let supervisor = Supervisor {
            signals: None,
            drain_grace: None,
            stop: StopSignal::new(),
            wakers: (0..threads).map(|_| None).collect(),
            handles: (0..threads).map(|_| None).collect(),
            addr: None,
            ready: 0,
            exited: 0,
        };
        Ok((event_loop, supervisor))
    }

    /// Catches `signals` (none if empty) on `event_loop`: any of them stops
    /// every loop.
    ///
    /// # Errors
    ///
    /// As [`Signals::new`] (`AlreadyExists` if another `Signals` is alive),
    /// or the OS error of registering it.
    pub(crate) fn catch_signals(&mut self, event_loop: &EventLoop<Self>, signals: &[i32]) -> io::Result<()> {
        if signals.is_empty() {
            return Ok(());
        }
        let signals = Signals::new(signals)?;
        event_loop.poll().register(&signals, SIGNALS, EventSet::readable(), PollOpt::edge())?;
        self.signals = Some(signals);
        Ok(())
    }

    /// Stops every loop set up so far (the others see the flag before they
    /// run).
    pub(crate) fn stop_all(&self) {
        self.stop.stop(self.wakers.iter().flatten());
    }

    /// Drains every loop set up so far for at most `grace` (the others see
    /// the flag before they run).
    pub(crate) fn drain_all(&self, grace: Duration) {
        self.stop.drain(grace, self.wakers.iter().flatten());
    }
}

impl<T: Send> Handler for Supervisor<T> {
    type Timeout = ();
    type Message = Notice<T>;

    fn ready(&mut self, _: &mut EventLoop<Self>, token: Token, _: EventSet) {
        if token != SIGNALS {
            return;
        }
        while let Some(signals) = &self.signals {
            match signals.receive() {
                // The first signal drains, if asked to; the next one stops.
                Ok(Some(_)) => match self.drain_grace {
                    Some(grace) if self.stop.drain_grace().is_none() => self.drain_all(grace),
                    _ => self.stop_all(),
                },
                Ok(None) | Err(_) => break,
            }
        }
    }

    fn notify(&mut self, _: &mut EventLoop<Self>, notice: Notice<T>) {
        match notice {
            Notice::Ready(ready) => {
                if ready.index == 0 {
                    self.addr = Some(ready.addr);
                }
                if self.stop.is_set() {
                    // It may have looked at the flag before it was set.
                    self.stop.stop([&ready.waker]);
                } else if let Some(grace) = self.stop.drain_grace() {
                    self.stop.drain(grace, [&ready.waker]);
                }
                self.wakers[ready.index] = Some(ready.waker);
                self.handles[ready.index] = Some(ready.handle);
                self.ready += 1;
            }
            Notice::Exited => {
                self.exited += 1;
                // One loop's end, for whatever reason, ends the group; but
                // while draining, each loop ends when its drain is over.
                if self.stop.drain_grace().is_none() {
                    self.stop_all();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::StopSignal;

    #[test]
    fn the_first_drain_asked_for_counts() {
        let stop = StopSignal::new();
        assert_eq!(stop.drain_grace(), None);
        stop.drain(Duration::ZERO, []);
        assert_eq!(stop.drain_grace(), Some(Duration::ZERO), "a zero grace is still a drain");
        stop.drain(Duration::from_secs(5), []);
        assert_eq!(stop.drain_grace(), Some(Duration::ZERO));
        assert!(!stop.is_set(), "draining is not stopping");

        let forever = StopSignal::new();
        forever.drain(Duration::MAX, []);
        assert!(forever.drain_grace().is_some_and(|g| g >= Duration::from_secs(500 * 365 * 86_400)));
    }
}
