//! `LoopGroup`: the settings of a group of loops, and `spawn`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::error::{GroupError, LoopFailure, Stage};
use super::loops::{Loops, Stopper, Threads};
use super::pinning::Pinning;
use super::supervisor::Supervisor;
use super::worker::{self, Plan, Seat};
use crate::machine::{Loop, LoopConfig, Machine};
use crate::tcp::TcpListener;

/// One machine loop per thread, each with its own listener on one shared
/// address (`SO_REUSEPORT`): the way to use several cores with nothing
/// shared between the loops.
///
/// Set the group up (threads, CPU [`Pinning`], the [`LoopConfig`] of every
/// loop, the signals that stop it), then [`spawn`](LoopGroup::spawn) it with
/// two closures, each called once per loop on that loop's own thread, with
/// the loop's index (0 to threads - 1):
///
/// * `context(index)` makes the loop's context, so it need not be `Send`;
/// * `setup(&mut loop, listener, index)` adds the loop's first machines,
///   typically an [`Accept`](crate::machine::Accept) over `listener`, and
///   returns a value for the caller (a
///   [`Notifier`](crate::machine::Notifier), or `()`), which
///   [`Loops::handles`] gives back in loop order.
///
/// Each thread pins itself (if asked), binds its listener with
/// [`TcpListener::bind_reuseport`], creates its loop, runs `setup`, then
/// `context`, and runs the loop. Loop 0 is set up first, so that with port 0
/// the others bind the port it got; then the others, in parallel. `spawn`
/// returns once every loop is set up; a loop that fails to start (pin,
/// bind, setup, panic) stops the others, and `spawn` returns every error.
///
/// The group stops as a whole: on one of its shutdown signals, on
/// [`Loops::stop`], or when any loop ends (a machine called
/// [`Scope::shutdown_loop`](crate::machine::Scope::shutdown_loop), or the
/// loop failed). [`Loops::wait`] then joins every thread and returns every
/// loop's error. The calling thread supervises meanwhile: it catches the
/// signals and hears from the loops on an event loop of its own, idle
/// unless something happens, so no loop handles anything on behalf of the
/// others.
///
/// With one thread, the group is one loop like [`Loop::run`] on a thread of
/// its own; it checks a stop flag after each turn.
///
/// # Examples
///
/// An echo server on four loops, stopped by Ctrl-C or `kill`:
///
/// ```no_run
/// use mio_core::machine::{Accept, Loop, LoopConfig};
/// use mio_core::serve::{LoopGroup, Pinning};
/// use mio_core::tcp::TcpListener;
/// # use mio_core::machine::{Created, Machine, Response, Scope};
/// # use mio_core::{tcp::TcpStream, EventSet};
/// # /// Holds a connection until the peer closes it.
/// # struct Conn(TcpStream);
/// # impl Machine for Conn {
/// #     type Context = ();
/// #     type Seed = TcpStream;
/// #     fn create(s: TcpStream, _: &mut Scope<'_, ()>) -> Created<Self> { Created::ok(Conn(s)) }
/// #     fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, TcpStream> { Response::done() }
/// #     fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, TcpStream> { Response::done() }
/// # }
///
/// type Server = Accept<TcpListener, Conn>; // Conn: your connection machine
///
/// let mut config = LoopConfig::new();
/// config.machines(20_000);
/// let loops = LoopGroup::new("127.0.0.1:7000".parse().unwrap())
///     .threads(4)
///     .pinning(Pinning::Spread)
///     .config(config)
///     .shutdown_signals(&[libc::SIGINT, libc::SIGTERM])
///     .spawn(
///         |_index| (), // each loop's context
///         |lp: &mut Loop<Server>, listener, _index| {
///             lp.add_machine_with(|scope| Accept::new(listener, scope))?;
///             Ok(())
///         },
///     )?;
/// println!("listening on {}", loops.local_addr());
/// loops.wait()?; // until a signal; every loop's error
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LoopGroup {
    addr: SocketAddr,
    threads: usize,
    pinning: Pinning,
    config: LoopConfig,
    signals: Vec<i32>,
    drain_grace: Option<Duration>,
}

impl LoopGroup {
    /// A group listening on `addr`: one thread, no pinning, the default
    /// [`LoopConfig`], no signal handling.
    pub fn new(addr: SocketAddr) -> LoopGroup {
        LoopGroup {
            addr,
            threads: 1,
            pinning: Pinning::None,
            config: LoopConfig::new(),
            signals: Vec::new(),
            drain_grace: None,
        }
    }

    /// How many loops (and threads) to run; at least 1. Typically one per
    /// core, or per core left over after the other work of the machine.
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.threads = threads;
        self
    }

    /// Which CPU each loop's thread runs on (default: [`Pinning::None`]).
    pub fn pinning(&mut self, pinning: Pinning) -> &mut Self {
        self.pinning = pinning;
        self
    }

    /// The configuration of every loop (each preallocates its own).
    pub fn config(&mut self, config: LoopConfig) -> &mut Self {
        self.config = config;
        self
    }

    /// Signals that stop the whole group (typically `SIGINT` and `SIGTERM`),
    /// caught once for all loops by the thread that spawned them, for as
    /// long as the group runs. Default: none.
    ///
    /// Only one [`Signals`](crate::unix::Signals) may exist in a process,
    /// so the loops must not watch signals themselves then.
    pub fn shutdown_signals(&mut self, signals: &[i32]) -> &mut Self {
        self.signals = signals.to_vec();
        self
    }

    /// Makes the first shutdown signal drain the loops instead of stopping
    /// them ([`Loops::drain`]): listeners close at once, connections finish
    /// what they started, each loop for at most `grace`; a second signal
    /// stops them all at once. Default: the first signal stops them.
    pub fn drain_on_signal(&mut self, grace: Duration) -> &mut Self {
        self.drain_grace = Some(grace);
        self
    }

    /// Starts the loops (see [`LoopGroup`]) and returns once every one is
    /// set up and running.
    ///
    /// # Errors
    ///
    /// If anything fails before every loop runs, the loops that started are
    /// stopped and joined, and every failure is returned: [`Stage::Config`]
    /// (zero threads, an empty CPU list), [`Stage::Signals`],
    /// [`Stage::Start`] (no thread, or stopped by a signal meanwhile:
    /// `Interrupted`), [`Stage::Pin`], [`Stage::Bind`], [`Stage::Setup`]
    /// (the loop's configuration, or `setup`'s error), [`Stage::Panic`].
    pub fn spawn<M, T, F, S>(&self, context: F, setup: S) -> Result<Loops<T>, GroupError>
    where
        M: Machine + 'static,
        T: Send + 'static,
        F: Fn(usize) -> M::Context + Send + Sync + 'static,
        S: Fn(&mut Loop<M>, TcpListener, usize) -> io::Result<T> + Send + Sync + 'static,
    {
        let n = self.threads;
        if n == 0 {
            let e = io::Error::new(io::ErrorKind::InvalidInput, "a loop group needs at least one thread");
            return Err(GroupError::group(Stage::Config, e));
        }
        let cpus = self.pinning.cpus(n).map_err(|e| GroupError::group(Stage::Config, e))?;
        let (event_loop, mut supervisor) = Supervisor::new(n).map_err(|e| GroupError::group(Stage::Start, e))?;
        supervisor.catch_signals(&event_loop, &self.signals).map_err(|e| GroupError::group(Stage::Signals, e))?;
        supervisor.drain_grace = self.drain_grace;
        let mut threads = Threads { event_loop, supervisor, joins: Vec::with_capacity(n), failures: Vec::new() };
        let plan = Arc::new(Plan { context, setup, config: self.config.clone() });

        spawn_loop::<M, T, F, S>(&mut threads, Seat { index: 0, cpu: cpus[0], addr: self.addr }, &plan);
        threads.turn_until(|s| s.ready >= 1 || s.stop.is_set());
        if let Some(addr) = threads.supervisor.addr.filter(|_| !threads.supervisor.stop.is_set()) {
            for (index, &cpu) in cpus.iter().enumerate().skip(1) {
                if threads.supervisor.stop.is_set() {
                    break;
                }
                spawn_loop::<M, T, F, S>(&mut threads, Seat { index, cpu, addr }, &plan);
            }
            threads.turn_until(|s| s.ready >= n || s.stop.is_set());
        }
        if threads.supervisor.stop.is_set() {
            let mut failures = threads.finish();
            if failures.is_empty() {
                let e = io::Error::new(io::ErrorKind::Interrupted, "stopped before every loop was set up");
                failures.push(LoopFailure::new(None, Stage::Start, e));
            }
            return Err(GroupError::from_failures(failures).expect("not empty"));
        }

        let local_addr = threads.supervisor.addr.expect("loop 0 is set up");
        let handles = threads.supervisor.handles.iter_mut().map(|h| h.take().expect("every loop is set up")).collect();
        let wakers = threads.supervisor.wakers.iter().map(|w| w.clone().expect("every loop is set up")).collect();
        let stopper = Stopper { signal: threads.supervisor.stop.clone(), wakers };
        Ok(Loops { threads, handles, local_addr, stopper })
    }

    /// [`spawn`](LoopGroup::spawn), then [`Loops::wait`]: runs the group
    /// until it stops.
    ///
    /// # Errors
    ///
    /// As `spawn` and `wait`.
    pub fn run<M, T, F, S>(&self, context: F, setup: S) -> Result<(), GroupError>
    where
        M: Machine + 'static,
        T: Send + 'static,
        F: Fn(usize) -> M::Context + Send + Sync + 'static,
        S: Fn(&mut Loop<M>, TcpListener, usize) -> io::Result<T> + Send + Sync + 'static,
    {
        self.spawn(context, setup)?.wait()
    }
}

/// Starts loop `seat.index`'s thread; a failure to spawn it stops the group.
fn spawn_loop<M, T, F, S>(threads: &mut Threads<T>, seat: Seat, plan: &Arc<Plan<F, S>>)
where
    M: Machine + 'static,
    T: Send + 'static,
    F: Fn(usize) -> M::Context + Send + Sync + 'static,
    S: Fn(&mut Loop<M>, TcpListener, usize) -> io::Result<T> + Send + Sync + 'static,
{
    let index = seat.index;
    let plan = Arc::clone(plan);
    let notices = threads.event_loop.channel();
    let stop = threads.supervisor.stop.clone();
    let spawned = thread::Builder::new()
        .name(format!("mio-loop-{index}"))
        .spawn(move || worker::run::<M, T, F, S>(seat, &plan, notices, stop));
    match spawned {
        Ok(join) => threads.joins.push((index, join)),
        Err(e) => {
            threads.failures.push(LoopFailure::new(Some(index), Stage::Start, e));
            threads.supervisor.stop_all();
        }
    }
}
