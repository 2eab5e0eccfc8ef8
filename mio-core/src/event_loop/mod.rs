//! `EventLoop`: a `Poll` plus a timer wheel and a channel, driving a `Handler`.

mod config;
mod handler;
mod ticks;

pub use config::{EventLoopConfig, MAX_PREALLOCATED};
pub use handler::Handler;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::channel::{self, Receiver, Sender};
use crate::counters::{Counters, CountersHandle};
use crate::timer::{Clock, Timeout, TimerError, TimerWheel};
use crate::{EventSet, Evented, Events, Poll, PollOpt, Token};
use ticks::Ticks;

/// A single-threaded event loop: IO readiness, timeouts and cross-thread
/// messages, delivered to a [`Handler`].
///
/// Everything it needs is allocated in [`EventLoop::configured`]; a turn of
/// the loop allocates nothing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::{EventLoop, Handler};
///
/// struct Once;
/// impl Handler for Once {
///     type Timeout = &'static str;
///     type Message = ();
///     fn timeout(&mut self, event_loop: &mut EventLoop<Self>, what: &'static str) {
///         assert_eq!(what, "hello");
///         event_loop.shutdown();
///     }
/// }
///
/// let mut event_loop = EventLoop::new()?;
/// event_loop.timeout("hello", Duration::from_millis(1)).unwrap();
/// event_loop.run(&mut Once)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct EventLoop<H: Handler> {
    poll: Poll,
    events: Events,
    running: bool,
    messages_per_tick: usize,
    timer: TimerWheel<H::Timeout>,
    ticks: Ticks,
    clock: Clock,
    rx: Receiver<H::Message>,
    tx: Sender<H::Message>,
    counters: Arc<Counters>,
}

impl<H: Handler> std::fmt::Debug for EventLoop<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("poll", &self.poll)
            .field("running", &self.running)
            .field("timers", &self.timer.len())
            .field("turns", &self.counters.turns())
            .finish_non_exhaustive()
    }
}

impl<H: Handler> EventLoop<H> {
    /// A loop with the default [`EventLoopConfig`].
    ///
    /// # Errors
    ///
    /// The OS error of creating the selector or the waker (e.g. `EMFILE`).
    pub fn new() -> io::Result<EventLoop<H>> {
        EventLoop::configured(EventLoopConfig::default())
    }

    /// A loop with the given configuration.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero `notify_capacity`, `messages_per_tick` or
    /// `timer_tick`; otherwise the OS error of creating the selector or waker.
    pub fn configured(config: EventLoopConfig) -> io::Result<EventLoop<H>> {
        config.validate()?;
        let poll = Poll::with_registrations(config.registrations)?;
        let (tx, rx) = channel::channel(config.notify_capacity)?;
        rx.register(&poll)?;
        let clock = config.clock.clone();
        Ok(EventLoop {
            poll,
            events: Events::with_capacity(config.events_capacity),
            running: false,
            messages_per_tick: config.messages_per_tick,
            timer: TimerWheel::new(config.timer_capacity, config.timer_wheel_size),
            ticks: Ticks::new(clock.now(), config.timer_tick),
            clock,
            rx,
            tx,
            counters: Arc::new(Counters::new()),
        })
    }

    /// A new [`Sender`] into this loop's channel; clone it freely.
    pub fn channel(&self) -> Sender<H::Message> {
        self.tx.clone()
    }

    /// Schedules `handler.timeout(payload)` after `delay`.
    ///
    /// Never fires early; fires at most one timer tick late. Timeouts due at
    /// the same tick fire in the order they were set. `payload` is dropped
    /// exactly once: after it is handed to the handler, when cleared, or with
    /// the loop.
    ///
    /// # Errors
    ///
    /// [`TimerError`] when `timer_capacity` timeouts are pending (the payload
    /// is dropped); the loop keeps working.
    pub fn timeout(&mut self, payload: H::Timeout, delay: Duration) -> Result<Timeout, TimerError> {
        let deadline = self.ticks.deadline_tick(self.clock.now() + delay);
        let timeout = self.timer.insert(deadline, payload).map_err(|(e, _payload)| e)?;
        self.counters.timers_armed.add(1);
        Ok(timeout)
    }

    /// Cancels a timeout. Returns `false` if it already fired, was cleared,
    /// or the handle is stale (its slot now holds another timeout, which is
    /// left alone).
    pub fn clear_timeout(&mut self, timeout: Timeout) -> bool {
        let cancelled = self.timer.cancel(timeout).is_some();
        if cancelled {
            self.counters.timers_cancelled.add(1);
        }
        cancelled
    }

    /// How many timeouts are pending (set, not yet fired or cleared).
    pub fn timeouts_pending(&self) -> usize {
        self.timer.len()
    }

    /// Stops [`run`](EventLoop::run) after the current turn.
    pub fn shutdown(&mut self) {
        self.running = false;
    }

    /// Whether [`run`](EventLoop::run) is going on and `shutdown` was not called.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The loop's current time (from its clock).
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// How many turns the loop has made (each one poll), for tests and stats.
    pub fn turns(&self) -> u64 {
        self.counters.turns()
    }

    /// The loop's counters, read on the loop thread (see
    /// [`counters`](crate::counters)).
    ///
    /// # Examples
    ///
    /// ```
    /// use mio_core::EventLoop;
    ///
    /// let mut event_loop = EventLoop::<()>::new()?;
    /// event_loop.run_once(&mut (), Some(std::time::Duration::ZERO))?;
    /// assert_eq!(event_loop.counters().turns(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// A handle to read the loop's counters from another thread.
    pub fn counters_handle(&self) -> CountersHandle {
        CountersHandle::new(self.shared_counters())
    }

    /// The counters, for the layers above that count into them too.
    pub(crate) fn shared_counters(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    /// How many times senders had to write the waker to wake this loop.
    pub fn channel_wakeups(&self) -> u64 {
        self.rx.wakeups()
    }

    /// The underlying [`Poll`].
    pub fn poll(&self) -> &Poll {
        &self.poll
    }

    /// Registers `io`; see [`Poll::register`] for the errors.
    pub fn register<E: Evented + ?Sized>(
        &mut self,
        io: &E,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        self.poll.register(io, token, interest, opts)
    }

    /// Changes a registration; see [`Poll::reregister`] for the errors.
    pub fn reregister<E: Evented + ?Sized>(
        &mut self,
        io: &E,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        self.poll.reregister(io, token, interest, opts)
    }

    /// Removes a registration; see [`Poll::deregister`] for the errors.
    pub fn deregister<E: Evented + ?Sized>(&mut self, io: &E) -> io::Result<()> {
        self.poll.deregister(io)
    }

    /// Runs turns until [`shutdown`](EventLoop::shutdown) is called.
    ///
    /// # Errors
    ///
    /// The first error of the poll other than `Interrupted` (which calls
    /// [`Handler::interrupted`] and goes on).
    pub fn run(&mut self, handler: &mut H) -> io::Result<()> {
        self.running = true;
        while self.running {
            self.run_once(handler, None)?;
        }
        Ok(())
    }

    /// Runs one turn: poll (at most `timeout`, less if a timer is due sooner,
    /// and without blocking while messages or the handler's own work
    /// ([`Handler::has_work`]) are waiting), then `interrupted?`,
    /// `ready*`, `notify*`, `timeout*`, `tick`.
    ///
    /// # Errors
    ///
    /// The poll's error other than `Interrupted`.
    pub fn run_once(&mut self, handler: &mut H, timeout: Option<Duration>) -> io::Result<()> {
        let timeout = if handler.has_work() { Some(Duration::ZERO) } else { self.poll_timeout(timeout) };
        // The channel decides how long the poll may block (see
        // `Receiver::poll_or_sleep`).
        let (poll, events) = (&self.poll, &mut self.events);
        let res = self.rx.poll_or_sleep(timeout, |wait| poll.poll(events, wait));
        self.counters.turns.add(1);
        match res {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => handler.interrupted(self),
            Err(e) => return Err(e),
        }
        self.dispatch_io(handler);
        self.dispatch_messages(handler);
        self.dispatch_timers(handler);
        handler.tick(self);
        Ok(())
    }

    /// The poll timeout: zero when work is waiting, else the earlier of the
    /// caller's and the next timer deadline.
    fn poll_timeout(&mut self, timeout: Option<Duration>) -> Option<Duration> {
        let Some(deadline) = self.timer.next_deadline() else { return timeout };
        let until = self.ticks.instant_of(deadline).saturating_duration_since(self.clock.now());
        Some(timeout.map_or(until, |t| t.min(until)))
    }

    fn dispatch_io(&mut self, handler: &mut H) {
        // Counted once a turn: every event but the channel's own.
        let mut wakers = 0;
        for i in 0..self.events.len() {
            let Some(ev) = self.events.get(i) else { break };
            if ev.token() == Token::RESERVED {
                self.rx.drain_waker();
                // A sender counts its waker write before making it.
                self.counters.waker_writes.set(self.rx.wakeups());
                wakers += 1;
                continue;
            }
            handler.ready(self, ev.token(), ev.kind());
        }
        self.counters.events.add(self.events.len() as u64 - wakers);
    }

    fn dispatch_messages(&mut self, handler: &mut H) {
        let mut delivered = 0;
        for _ in 0..self.messages_per_tick {
            let Some(msg) = self.rx.try_recv() else { break };
            delivered += 1;
            handler.notify(self, msg);
        }
        if delivered > 0 {
            self.counters.messages.add(delivered);
        }
    }

    fn dispatch_timers(&mut self, handler: &mut H) {
        let now = self.ticks.now_tick(self.clock.now());
        while let Some(payload) = self.timer.poll(now) {
            self.counters.timers_fired.add(1);
            handler.timeout(self, payload);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod stalled_sender_tests;
