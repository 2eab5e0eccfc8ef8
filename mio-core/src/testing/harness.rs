//! `Harness`: a machine loop of `Stream<P>`, driven by a test through
//! simulated sockets and a manual clock.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::sim_listener::{Backlog, SimListener};
use super::sim_socket::{Pipe, SimSocket};
use crate::counters::Counters;
use crate::machine::{Address, Created, Loop, LoopConfig, LoopInstance, Machine, MachineError, Notifier};
use crate::stream::{Protocol, Stream};
use crate::timer::ManualClock;
use crate::{EventSet, Token};

/// How many loop turns one [`Harness::settle`] may take before it calls the
/// loop busy for ever (a machine that wakes itself in every wake-up, or a
/// stream that spins).
pub const MAX_SETTLE_TURNS: usize = 1_000;

/// A connection of a [`Harness`]: which one a call is about. Cheap to copy;
/// stays valid (and answers [`Status`]) after the connection ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Peer(usize);

/// Where a connection stands, as the peer would tell: see
/// [`Harness::status`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The stream still has the connection.
    Open,
    /// The connection ended without an error for the loop: the protocol
    /// said `done` (or `finish`), or a read or write failed and the stream
    /// closed after [`Protocol::error`]. `io_error` is the last error the
    /// socket returned, if any (a reset, an injected error, a write after
    /// shutdown).
    Closed {
        /// The last error a read or write of the stream got.
        io_error: Option<io::ErrorKind>,
    },
    /// The connection ended with an error reported to the loop's error
    /// hook: the protocol's `Intent::error`, "protocol made no progress",
    /// "buffer pool exhausted", "timer capacity exhausted", ...
    Failed(MachineError),
}

/// A listener of a [`Harness`], for [`Harness::connect_to`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(usize);

/// One connection's bookkeeping.
#[derive(Debug)]
struct Connection {
    pipe: Rc<RefCell<Pipe>>,
    failure: Option<MachineError>,
}

impl Connection {
    /// The token its socket is registered under (none before it is
    /// accepted).
    fn token(&self) -> Option<Token> {
        self.pipe.borrow().registration.token
    }
}

thread_local! {
    /// Errors the loop's error hook reported, taken after every call into
    /// the loop (a hook is a plain `fn`: it cannot reach the harness).
    static FAILURES: RefCell<Vec<(Token, MachineError)>> = const { RefCell::new(Vec::new()) };
}

fn record_failure<C>(_: &mut C, token: Token, error: &MachineError) {
    FAILURES.with(|f| f.borrow_mut().push((token, *error)));
}

/// Drives a real machine [`Loop`] of `M` over [`SimSocket`]s (and
/// [`SimListener`]s) and a [`ManualClock`]: no socket fd, no thread, no
/// sleep. The test plays the peer of every connection and the passing of
/// time.
///
/// Two ways in:
/// - `Harness<Stream<P>>` for one [`Protocol`] `P`: [`connect`](Harness::connect)
///   makes a connection a `Stream<P>` at once, and
///   [`protocol`](Harness::protocol) and [`state_name`](Harness::state_name)
///   look at its state;
/// - any `Harness<M>`, a whole server (an [`Accept`](crate::machine::Accept)
///   of streams, or a `#[machine]` composition of several): hand a
///   [`listener`](Harness::listener) to the machine that accepts, add it with
///   [`add_machine_with`](Harness::add_machine_with), and open connections
///   with [`connect_to`](Harness::connect_to); [`machine`](Harness::machine)
///   is the machine a connection ended up in.
///
/// Every call that changes something (input, window, end of stream,
/// reset, error, time, wake-up, drain) runs the loop until nothing more
/// happens ([`settle`](Harness::settle)): readiness is delivered as an
/// edge-triggered epoll would (data, end of stream, room in the peer's
/// window, registering for what is ready already), wake-ups go through the
/// loop's channel, deadlines through its timer on the manual clock. Then
/// the test looks at what was written ([`take_output`](Harness::take_output)),
/// whether the connection is still open ([`status`](Harness::status)), in
/// which state ([`state_name`](Harness::state_name)), with which deadline,
/// and what memory the loop's pools hold.
///
/// A protocol is tested on the harness when its `Socket` is [`SimSocket`]:
/// write the protocol for that socket in the test, or, for one that also
/// runs on TCP, take the socket type from the including file (as the
/// example protocols in `examples/shared/` do).
///
/// The loop's timer keeps its configured tick (1 ms by default): a deadline
/// fires when the clock reaches the first tick at or after it, so a
/// deadline on a whole millisecond of the harness's clock (which starts at
/// [`start`](Harness::start) and moves only when told) fires exactly then.
///
/// # Examples
///
/// A line protocol that answers each line with its length, closes after 5 s
/// of silence, and writes into a peer that takes 2 bytes at a time:
///
/// ```
/// use std::io::Write;
/// use std::time::Duration;
/// use mio_core::machine::Scope;
/// use mio_core::stream::{Intent, Protocol, Stream, Transport};
/// use mio_core::testing::{Harness, SimSocket, Status};
///
/// struct Len;
/// impl Len {
///     fn next(s: &Scope<'_, ()>) -> Intent<Len> {
///         Intent::of(Len).deadline(s.now() + Duration::from_secs(5)).expect_delimiter(b"\n", 64)
///     }
/// }
/// impl Protocol for Len {
///     type Context = ();
///     type Socket = SimSocket;
///     fn create(_: &mut Transport<'_, SimSocket>, s: &mut Scope<'_, ()>) -> Intent<Len> {
///         Len::next(s)
///     }
///     fn bytes_read(self, t: &mut Transport<'_, SimSocket>, end: usize, s: &mut Scope<'_, ()>) -> Intent<Len> {
///         t.input().consume(end);
///         let _ = writeln!(t.output(), "{}", end - 1);
///         Len::next(s)
///     }
///     fn bytes_flushed(self, _: &mut Transport<'_, SimSocket>, s: &mut Scope<'_, ()>) -> Intent<Len> {
///         Len::next(s)
///     }
///     fn timeout(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Len> {
///         Intent::done()
///     }
/// }
///
/// let mut h = Harness::<Stream<Len>>::new(())?;
/// let peer = h.connect().unwrap();
/// h.set_window(peer, Some(2));
/// h.send(peer, b"hel");
/// h.send(peer, b"lo\nab\n");          // two lines, one read
/// assert_eq!(h.take_output(peer), b"5\n"); // the peer read 2 bytes: room for 2 more
/// assert_eq!(h.take_output(peer), b"2\n");
/// assert!(h.is_open(peer));
/// h.advance(Duration::from_millis(4_999));
/// assert!(h.is_open(peer));
/// h.advance(Duration::from_millis(1)); // 5 s after the last line
/// assert_eq!(h.status(peer), Status::Closed { io_error: None });
/// assert_eq!(h.buffers_held(), 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Harness<M: Machine> {
    lp: LoopInstance<M>,
    clock: ManualClock,
    start: Instant,
    connections: Vec<Connection>,
    listeners: Vec<Rc<RefCell<Backlog>>>,
}

impl<M: Machine> std::fmt::Debug for Harness<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("connections", &self.connections.len())
            .field("elapsed", &self.elapsed())
            .finish_non_exhaustive()
    }
}

impl<M: Machine> Harness<M> {
    /// A harness with the default [`LoopConfig`] (but a manual clock) and
    /// `context`.
    ///
    /// # Errors
    ///
    /// As [`Loop::new`]: the OS error of creating the loop's own epoll or
    /// waker.
    pub fn new(context: M::Context) -> io::Result<Harness<M>> {
        Harness::with_config(&LoopConfig::new(), context)
    }

    /// A harness whose loop has `config` (buffer sizes and counts, queued
    /// values, machines, timer), with its clock replaced by a manual one.
    ///
    /// # Errors
    ///
    /// As [`Loop::new`]: `InvalidInput` for a bad configuration, or the OS
    /// error of creating the loop's own epoll or waker.
    pub fn with_config(config: &LoopConfig, context: M::Context) -> io::Result<Harness<M>> {
        let clock = ManualClock::new();
        let mut config = config.clone();
        config.event_loop().clock(clock.clone());
        let mut lp = Loop::<M>::new(&config)?;
        lp.on_error(record_failure::<M::Context>);
        let lp = lp.instantiate(context);
        let start = lp.now();
        Ok(Harness { lp, clock, start, connections: Vec::new(), listeners: Vec::new() })
    }

    /// A new listener, to hand to the machine that accepts from it
    /// ([`Accept::new`](crate::machine::Accept::new) in
    /// [`add_machine_with`](Harness::add_machine_with)); open connections to
    /// it with [`connect_to`](Harness::connect_to).
    ///
    /// # Examples
    ///
    /// An echo server: a listener and the streams it accepts, in one loop.
    ///
    /// ```
    /// use mio_core::machine::{Accept, Scope};
    /// use mio_core::stream::{Intent, Protocol, Stream, Transport};
    /// use mio_core::testing::{Harness, SimListener, SimSocket};
    ///
    /// struct Echo;
    /// impl Protocol for Echo {
    ///     type Context = ();
    ///     type Socket = SimSocket;
    ///     fn create(_: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Echo> {
    ///         Intent::of(Echo).expect_bytes(1)
    ///     }
    ///     fn bytes_read(self, t: &mut Transport<'_, SimSocket>, _: usize, _: &mut Scope<'_, ()>) -> Intent<Echo> {
    ///         let (input, output) = t.buffers();
    ///         let n = output.push(input.data());
    ///         input.consume(n);
    ///         Intent::of(Echo).expect_bytes(1)
    ///     }
    ///     fn bytes_flushed(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Echo> {
    ///         Intent::of(Echo).expect_bytes(1)
    ///     }
    ///     fn timeout(self, _: &mut Transport<'_, SimSocket>, _: &mut Scope<'_, ()>) -> Intent<Echo> {
    ///         Intent::done()
    ///     }
    /// }
    ///
    /// let mut h = Harness::<Accept<SimListener, Stream<Echo>>>::new(())?;
    /// let (id, listener) = h.listener();
    /// h.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
    /// let (a, b) = (h.connect_to(id), h.connect_to(id));
    /// h.send(a, b"one");
    /// h.send(b, b"two");
    /// h.reset(a);
    /// assert!(!h.is_open(a));
    /// assert_eq!(h.take_output(b), b"two");
    /// assert_eq!(h.counters().accepts(), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn listener(&mut self) -> (ListenerId, SimListener) {
        let backlog = Rc::new(RefCell::new(Backlog::default()));
        self.listeners.push(Rc::clone(&backlog));
        (ListenerId(self.listeners.len() - 1), SimListener::new(backlog))
    }

    /// Adds a machine made by `f` (as [`LoopInstance::add_machine_with`]),
    /// and the loop settles.
    ///
    /// # Errors
    ///
    /// What `f` returned, or "no free machine slot".
    pub fn add_machine_with<F>(&mut self, f: F) -> Result<Address, MachineError>
    where
        F: FnOnce(&mut crate::machine::Scope<'_, M::Context>) -> Created<M>,
    {
        let address = self.lp.add_machine_with(f);
        self.collect();
        self.settle();
        address
    }

    /// A client connects to `listener`: the connection waits in its backlog
    /// until the machine that listens accepts it (at once, if it is
    /// registered), and the loop settles. A closed listener refuses it
    /// ([`Status::Closed`] with `ConnectionRefused`).
    pub fn connect_to(&mut self, listener: ListenerId) -> Peer {
        let pipe = Rc::new(RefCell::new(Pipe::default()));
        {
            let mut backlog = self.listeners[listener.0].borrow_mut();
            if backlog.closed {
                let mut refused = pipe.borrow_mut();
                refused.dropped = true;
                refused.last_error = Some(io::ErrorKind::ConnectionRefused);
            } else {
                backlog.waiting.push_back(Rc::clone(&pipe));
                backlog.registration.edge(EventSet::readable());
            }
        }
        self.connections.push(Connection { pipe, failure: None });
        self.settle();
        Peer(self.connections.len() - 1)
    }

    /// The machine that has the connection, while it is open (for a
    /// composed machine: the enum, to match on).
    pub fn machine(&self, peer: Peer) -> Option<&M> {
        if !self.is_open(peer) {
            return None;
        }
        self.lp.machine_at(self.connections[peer.0].token()?)
    }

    fn pipe(&self, peer: Peer) -> std::cell::RefMut<'_, Pipe> {
        self.connections[peer.0].pipe.borrow_mut()
    }

    /// The peer sends `data` (one segment: the stream may read it with
    /// data sent before it and not read yet), and the loop settles.
    pub fn send(&mut self, peer: Peer, data: &[u8]) {
        self.feed(peer, data);
        self.settle();
    }

    /// The peer sends `data` but the loop does not run: what is fed before
    /// the next [`settle`](Harness::settle) arrives as one.
    pub fn feed(&mut self, peer: Peer, data: &[u8]) {
        let mut pipe = self.pipe(peer);
        if pipe.eof || pipe.reset || data.is_empty() {
            return;
        }
        pipe.inbound.extend(data);
        pipe.edge(EventSet::readable());
    }

    /// The peer closes its side (a FIN after what it sent), and the loop
    /// settles.
    pub fn close(&mut self, peer: Peer) {
        {
            let mut pipe = self.pipe(peer);
            pipe.eof = true;
            pipe.edge(EventSet::readable() | EventSet::hup());
        }
        self.settle();
    }

    /// The peer resets the connection: reads and writes fail with
    /// `ConnectionReset`, what it had sent is lost. The loop settles.
    pub fn reset(&mut self, peer: Peer) {
        {
            let mut pipe = self.pipe(peer);
            pipe.reset = true;
            pipe.inbound.clear();
            pipe.edge(EventSet::all());
        }
        self.settle();
    }

    /// The stream's next read fails with `kind` (reported with an error
    /// event, as `EPOLLERR`), and the loop settles.
    pub fn fail_read(&mut self, peer: Peer, kind: io::ErrorKind) {
        {
            let mut pipe = self.pipe(peer);
            pipe.read_error = Some(kind);
            pipe.edge(EventSet::readable() | EventSet::error());
        }
        self.settle();
    }

    /// The stream's next write fails with `kind`, and the loop settles.
    pub fn fail_write(&mut self, peer: Peer, kind: io::ErrorKind) {
        {
            let mut pipe = self.pipe(peer);
            pipe.write_error = Some(kind);
            pipe.edge(EventSet::writable() | EventSet::error());
        }
        self.settle();
    }

    /// Sets how many bytes the peer's receive buffer holds (`None`: no
    /// bound, the default). Writes take what fits beside the output the
    /// peer has not taken yet: `Some(0)` blocks them all, `Some(1)` makes
    /// every write partial. More room is a writable edge; the loop settles.
    pub fn set_window(&mut self, peer: Peer, window: Option<usize>) {
        {
            let mut pipe = self.pipe(peer);
            let before = pipe.room();
            pipe.window = window;
            if pipe.room() > before {
                pipe.edge(EventSet::writable());
            }
        }
        self.settle();
    }

    /// Takes everything the stream wrote so far (the peer reads it, which
    /// makes room in its window), and the loop settles.
    pub fn take_output(&mut self, peer: Peer) -> Vec<u8> {
        self.take_output_up_to(peer, usize::MAX)
    }

    /// Takes at most `max` bytes of what the stream wrote, and the loop
    /// settles.
    pub fn take_output_up_to(&mut self, peer: Peer, max: usize) -> Vec<u8> {
        let taken = {
            let mut pipe = self.pipe(peer);
            let n = max.min(pipe.outbound.len());
            let taken: Vec<u8> = pipe.outbound.drain(..n).collect();
            if n > 0 && pipe.window.is_some() {
                pipe.edge(EventSet::writable());
            }
            taken
        };
        self.settle();
        taken
    }

    /// How many bytes the stream wrote that the peer has not taken.
    pub fn output_len(&self, peer: Peer) -> usize {
        self.connections[peer.0].pipe.borrow().outbound.len()
    }

    /// Moves the clock forward by `by`; the deadlines due by then fire.
    pub fn advance(&mut self, by: Duration) {
        self.clock.advance(by);
        self.settle();
    }

    /// Moves the clock to `at` (nothing if it is there already); the
    /// deadlines due by then fire.
    pub fn advance_to(&mut self, at: Instant) {
        let by = at.saturating_duration_since(self.now());
        self.advance(by);
    }

    /// The clock's time.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// When the harness was made: the clock's start.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// How far the clock has moved since [`start`](Harness::start).
    pub fn elapsed(&self) -> Duration {
        self.now() - self.start
    }

    /// Wakes the connection's protocol ([`Protocol::wakeup`]) through the
    /// loop's channel, as a [`Notifier`] from another thread would; the
    /// loop settles. A connection that ended ignores it.
    pub fn wake(&mut self, peer: Peer) {
        if let Some(notifier) = self.notifier(peer) {
            let _ = notifier.wakeup();
        }
        self.settle();
    }

    /// A [`Notifier`] of the machine that has the connection, while it is
    /// open, to hand to code that wakes it; call
    /// [`settle`](Harness::settle) after using it.
    pub fn notifier(&self, peer: Peer) -> Option<Notifier> {
        if !self.is_open(peer) {
            return None;
        }
        self.lp.notifier_at(self.connections[peer.0].token()?)
    }

    /// Drains the loop ([`LoopInstance::drain`]) until `deadline`; the
    /// loop settles.
    pub fn drain(&mut self, deadline: Instant) {
        self.lp.drain(deadline);
        self.collect();
        self.settle();
    }

    /// Runs the loop until nothing more happens: readiness the peers caused
    /// is delivered, wake-ups (from other threads, or local ones between
    /// machines) and due deadlines are handled, turn after
    /// turn, until a turn has nothing to do. Every call that changes
    /// something does this; call it after using a [`notifier`](Harness::notifier)
    /// or [`feed`](Harness::feed).
    ///
    /// # Panics
    ///
    /// If the loop is still busy after [`MAX_SETTLE_TURNS`] turns: a
    /// machine that wakes itself for ever, or a stream that spins. Or if
    /// the loop's own poll fails.
    pub fn settle(&mut self) {
        for _ in 0..MAX_SETTLE_TURNS {
            let delivered = self.deliver();
            let before = self.activity();
            self.lp.run_once(Some(Duration::ZERO)).expect("the harness's loop could not poll");
            self.collect();
            if !delivered && self.activity() == before {
                return;
            }
        }
        panic!("Harness::settle: the loop was still busy after {MAX_SETTLE_TURNS} turns");
    }

    /// Wake-ups (through the channel and local ones, which a turn may leave
    /// to the next) and timeouts handled so far.
    fn activity(&self) -> (u64, u64, u64) {
        let counters = self.lp.counters();
        (counters.messages(), counters.local_wakes(), counters.timers_fired())
    }

    /// Delivers the readiness each connection's socket has pending, as one
    /// turn's events; whether there was any.
    fn deliver(&mut self) -> bool {
        let mut delivered = false;
        for i in 0..self.listeners.len() + self.connections.len() {
            let pending = match self.listeners.get(i) {
                Some(backlog) => backlog.borrow_mut().registration.take(),
                None => self.connections[i - self.listeners.len()].pipe.borrow_mut().registration.take(),
            };
            if let Some((token, events)) = pending {
                delivered = true;
                self.lp.deliver_ready(token, events);
            }
        }
        delivered
    }

    /// Hands the errors the loop's hook reported to their connections.
    fn collect(&mut self) {
        let failures = FAILURES.with(|f| std::mem::take(&mut *f.borrow_mut()));
        for (token, error) in failures {
            // A token's latest connection is the one that just ended (a
            // slot is reused only after its machine ended).
            let ended = self.connections.iter_mut().rev().find(|c| c.token() == Some(token) && c.failure.is_none());
            if let Some(c) = ended {
                c.failure = Some(error);
            }
        }
    }

    /// Where the connection stands.
    pub fn status(&self, peer: Peer) -> Status {
        let c = &self.connections[peer.0];
        let pipe = c.pipe.borrow();
        match (pipe.dropped, c.failure) {
            (false, _) => Status::Open,
            (true, Some(error)) => Status::Failed(error),
            (true, None) => Status::Closed { io_error: pipe.last_error },
        }
    }

    /// Whether the stream still has the connection.
    pub fn is_open(&self, peer: Peer) -> bool {
        self.status(peer) == Status::Open
    }

    /// The connection's deadline, if it has one.
    pub fn deadline(&self, peer: Peer) -> Option<Instant> {
        if !self.is_open(peer) {
            return None;
        }
        self.lp.deadline_at(self.connections[peer.0].token()?)
    }

    /// Whether the stream shut its writing side (`shutdown(Write)`).
    pub fn is_write_shut(&self, peer: Peer) -> bool {
        self.connections[peer.0].pipe.borrow().write_shut
    }

    /// The interest the socket is registered with (`None` once closed).
    pub fn interest(&self, peer: Peer) -> Option<EventSet> {
        self.connections[peer.0].pipe.borrow().registration.interest
    }

    /// How many `read` and `write` calls the stream made on the socket.
    pub fn socket_calls(&self, peer: Peer) -> (u64, u64) {
        let pipe = self.connections[peer.0].pipe.borrow();
        (pipe.reads, pipe.writes)
    }

    /// How many connections are open.
    pub fn open_connections(&self) -> usize {
        self.connections.iter().filter(|c| !c.pipe.borrow().dropped).count()
    }

    /// How many stream buffers connections hold now (of
    /// [`buffers_total`](Harness::buffers_total)): at most two per open
    /// connection, none once every connection is idle or closed.
    pub fn buffers_held(&self) -> usize {
        self.lp.buffers_total() - self.lp.buffers_free()
    }

    /// How many stream buffers the loop has.
    pub fn buffers_total(&self) -> usize {
        self.lp.buffers_total()
    }

    /// How many entries of the queued-values table connections hold now.
    pub fn queued_values_held(&self) -> usize {
        self.lp.queued_values_total() - self.lp.queued_values_free()
    }

    /// How many deadlines are armed in the loop's timer.
    pub fn timeouts_pending(&self) -> usize {
        self.lp.timeouts_pending()
    }

    /// The loop's counters.
    pub fn counters(&self) -> &Counters {
        self.lp.counters()
    }

    /// The loop's context.
    pub fn context(&self) -> &M::Context {
        self.lp.context()
    }

    /// The loop's context, mutably.
    pub fn context_mut(&mut self) -> &mut M::Context {
        self.lp.context_mut()
    }

    /// The machine loop itself, for what the harness does not wrap.
    pub fn loop_instance(&mut self) -> &mut LoopInstance<M> {
        &mut self.lp
    }
}

impl<P: Protocol<Socket = SimSocket>> Harness<Stream<P>> {
    /// Opens a connection: a new [`SimSocket`] becomes a `Stream<P>`
    /// (`Protocol::create` runs), and the loop settles.
    ///
    /// # Errors
    ///
    /// What creating the stream returned: "no free machine slot", "buffer
    /// pool exhausted", "protocol closed at create", or the protocol's
    /// error; nothing is left open then.
    pub fn connect(&mut self) -> Result<Peer, MachineError> {
        let pipe = Rc::new(RefCell::new(Pipe::default()));
        let socket = SimSocket::new(Rc::clone(&pipe));
        let token = self.lp.add_machine_with(|scope| <Stream<P> as Machine>::create(socket, scope));
        self.collect();
        token?;
        self.connections.push(Connection { pipe, failure: None });
        self.settle();
        Ok(Peer(self.connections.len() - 1))
    }

    /// The protocol's state, while the connection is open.
    pub fn protocol(&self, peer: Peer) -> Option<&P> {
        self.machine(peer).map(Stream::protocol)
    }

    /// The name of the protocol's current state ([`Protocol::state_names`]
    /// at [`Protocol::state_index`]; a `#[machine(protocol)]` enum names its
    /// states), while the connection is open.
    pub fn state_name(&self, peer: Peer) -> Option<&'static str> {
        let index = self.protocol(peer)?.state_index();
        P::state_names()?.names().get(index).copied()
    }
}

#[cfg(test)]
#[path = "harness_tests.rs"]
mod tests;
