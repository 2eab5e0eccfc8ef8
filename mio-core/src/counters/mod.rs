//! Counters: what a loop has done (turns, events, messages, timers,
//! accepts, machines, bytes) and what it holds (buffers, connections in
//! each protocol state), read cheaply on the loop thread and as a snapshot
//! from any other.
//!
//! Every [`EventLoop`](crate::EventLoop) has one [`Counters`], made with it
//! (the only allocation); the machine layer ([`Loop`](crate::machine::Loop))
//! and the stream layer count into the same one. Read it on the loop thread
//! through [`EventLoop::counters`](crate::EventLoop::counters),
//! [`LoopInstance::counters`](crate::machine::LoopInstance::counters) or
//! [`Scope::counters`](crate::machine::Scope::counters) (a reference: each
//! read is one load), and from other threads through a [`CountersHandle`]
//! ([`Loop::counters_handle`](crate::machine::Loop::counters_handle)).
//!
//! # Cost
//!
//! Only the loop thread writes a loop's counters. Each is an `AtomicU64`
//! updated by a relaxed load and a relaxed store: plain `mov`s on x86-64 and
//! AArch64, no `lock`-prefixed read-modify-write, no fence. Counts that
//! several events add to in one turn (events, messages) are added once per
//! turn. The echo benchmark's cost is in benches/README.md ("Counters").
//!
//! # Consistency
//!
//! On the loop thread every read is exact: it sees everything counted so
//! far (but for the two counts published, below). From another thread ([`CountersHandle::snapshot`]), each value is
//! one its counter really had during the snapshot, and a count that only
//! grows (all but `buffers_in_use` and the per-state counts) never goes
//! back from one snapshot to the next; but the values are read one after
//! another while the loop runs on, so they are not one instant's: counts
//! of a turn that runs meanwhile may be in some values and not in others
//! (the per-state counts need not add up to the machines alive, say).
//! Derived figures are made to stay sane across that: machines ended are
//! read before machines created, so [`Snapshot::machines_alive`] is never
//! negative. Two counts are published, not counted, and can lag even on
//! the loop thread: [`Counters::waker_writes`] (the senders' count, copied
//! when the loop sees the waker's event) and [`Counters::buffers_in_use`]
//! (at the end of each turn). A consistent
//! cut of several counts needs the loop thread (a machine reading
//! [`Scope::counters`](crate::machine::Scope::counters)).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use mio_core::EventLoop;
//!
//! let mut event_loop = EventLoop::<()>::new()?;
//! let handle = event_loop.counters_handle(); // Send + Clone
//! event_loop.timeout((), Duration::ZERO).unwrap();
//! event_loop.run_once(&mut (), Some(Duration::from_millis(10)))?;
//! assert_eq!(event_loop.counters().turns(), 1);
//! let seen = std::thread::spawn(move || handle.snapshot()).join().unwrap();
//! assert_eq!(seen.timers_armed, 1);
//! # Ok::<(), std::io::Error>(())
//! ```

mod failed;
mod states;

use std::fmt;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

pub use failed::{failed_index, FAILED_KINDS, OTHER_KINDS};
pub(crate) use states::StateCounts;
use states::StatesSnapshot;
pub use states::{StateNames, MAX_PROTOCOLS, MAX_STATE_COUNTS};

/// One count, written by the loop thread only: a relaxed load and a
/// relaxed store, no read-modify-write.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    #[inline]
    pub(crate) fn sub(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_sub(n), Relaxed);
    }

    #[inline]
    pub(crate) fn set(&self, value: u64) {
        self.0.store(value, Relaxed);
    }

    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// Declares the plain counts once: the `Counters` fields and their getters,
/// and the `Snapshot` fields, in the order snapshots read them.
macro_rules! counts {
    ($( $(#[doc = $doc:literal])+ $name:ident, )+) => {
        /// A loop's counters; see the [module](self) for what they cost and
        /// how consistent a snapshot is.
        ///
        /// The getters read the count now; on the loop thread that is exact.
        /// A plain [`EventLoop`](crate::EventLoop) fills the loop's counts
        /// (turns to timers); a machine loop fills the rest too.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use mio_core::EventLoop;
        ///
        /// let mut event_loop = EventLoop::<()>::new()?;
        /// let timer = event_loop.timeout((), Duration::from_secs(60)).unwrap();
        /// event_loop.clear_timeout(timer);
        /// let counters = event_loop.counters();
        /// assert_eq!((counters.timers_armed(), counters.timers_cancelled()), (1, 1));
        /// # Ok::<(), std::io::Error>(())
        /// ```
        #[derive(Debug)]
        pub struct Counters {
            $( pub(crate) $name: Counter, )+
            /// Errors reported to the error hook, by kind (`FAILED_KINDS`,
            /// then every other kind).
            pub(crate) failed: [Counter; FAILED_KINDS.len() + 1],
            pub(crate) states: StateCounts,
        }

        impl Counters {
            pub(crate) fn new() -> Counters {
                Counters {
                    $( $name: Counter::default(), )+
                    failed: std::array::from_fn(|_| Counter::default()),
                    states: StateCounts::new(),
                }
            }

            $(
                $(#[doc = $doc])+
                #[inline]
                pub fn $name(&self) -> u64 {
                    self.$name.get()
                }
            )+

            /// A copy of every count, read one after another (see the
            /// [module](self) for what that guarantees).
            pub fn snapshot(&self) -> Snapshot {
                Snapshot {
                    $( $name: self.$name.get(), )+
                    failed: std::array::from_fn(|i| self.failed[i].get()),
                    states: self.states.snapshot(),
                }
            }
        }

        /// The counts of a loop at one time (per count; see the
        /// [module](self)): what [`Counters::snapshot`] and
        /// [`CountersHandle::snapshot`] return.
        ///
        /// Its `Display` writes one `name: value` line per count, failures
        /// by kind (`machines_failed.BrokenPipe`) where not zero, and the
        /// per-state counts (`state.Http.Request`).
        ///
        /// # Examples
        ///
        /// ```
        /// use mio_core::EventLoop;
        ///
        /// let event_loop = EventLoop::<()>::new()?;
        /// let snapshot = event_loop.counters_handle().snapshot();
        /// assert_eq!(snapshot.turns, 0);
        /// assert!(snapshot.to_string().contains("turns: 0\n"));
        /// # Ok::<(), std::io::Error>(())
        /// ```
        #[derive(Copy, Clone, Debug)]
        pub struct Snapshot {
            $(
                $(#[doc = $doc])+
                pub $name: u64,
            )+
            failed: [u64; FAILED_KINDS.len() + 1],
            states: StatesSnapshot,
        }

        impl fmt::Display for Snapshot {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                $( writeln!(f, concat!(stringify!($name), ": {}"), self.$name)?; )+
                self.fmt_derived(f)
            }
        }
    };
}

counts! {
    /// Turns the loop made (each one poll).
    turns,
    /// Readiness events handed to the handler (the channel's own waker
    /// events not included).
    events,
    /// Channel messages handed to the handler (for a machine loop: wake-ups
    /// of machines).
    messages,
    /// How many times senders wrote the loop's waker to wake it (at most
    /// once per sleep); copied from the senders' count when the loop sees
    /// the waker's event, so exact from the turn that woke.
    waker_writes,
    /// Wake-ups of machines by machines of the same loop
    /// ([`Scope::wake`](crate::machine::Scope::wake), messages,
    /// broadcasts) delivered: they never go through the channel, and
    /// wake-ups of one machine before it runs count once.
    local_wakes,
    /// Timers armed (for a machine loop: deadlines set, and re-armed when a
    /// deadline moved later than its timer).
    timers_armed,
    /// Timers that fired.
    timers_fired,
    /// Timers cancelled before they fired.
    timers_cancelled,
    /// Connections accepted by [`Accept`](crate::machine::Accept) machines.
    accepts,
    /// Machines that ended, however they ended: a `create` that failed
    /// included.
    machines_ended,
    /// Machines created: counted as their `create` starts (a seed spawned,
    /// or `add_machine_with`), so a machine is alive from then on, while its
    /// first callback runs.
    machines_created,
    /// Bytes read by stream connections ([`Stream`](crate::stream::Stream))
    /// and [relays](crate::relay).
    bytes_read,
    /// Bytes written by stream connections and relays.
    bytes_written,
    /// Stream buffers held by connections, at the end of the last turn.
    buffers_in_use,
    /// Stream buffers the loop has
    /// ([`LoopConfig::buffers`](crate::machine::LoopConfig::buffers)).
    buffers_total,
}

impl Counters {
    /// Machines alive now (created less ended): those in the loop's table,
    /// and one whose `create` is running.
    pub fn machines_alive(&self) -> u64 {
        let ended = self.machines_ended();
        self.machines_created().saturating_sub(ended)
    }

    /// Errors reported to the loop's error hook
    /// ([`Loop::on_error`](crate::machine::Loop::on_error)): machines that
    /// ended with an error, and seeds whose `create` failed.
    pub fn machines_failed(&self) -> u64 {
        self.failed.iter().map(Counter::get).sum()
    }

    /// Of [`machines_failed`](Counters::machines_failed), those of error
    /// kind `kind`; for a kind not in [`FAILED_KINDS`], those of every kind
    /// not in it.
    pub fn machines_failed_with(&self, kind: ErrorKind) -> u64 {
        self.failed[failed_index(kind)].get()
    }

    /// How many connections of the protocol named by `names` are in each of
    /// its states, in the order of [`StateNames::names`]; `None` if the loop
    /// has not counted that protocol (none of its connections came yet, or
    /// there was no room for it: see [`MAX_STATE_COUNTS`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use mio_core::counters::StateNames;
    /// use mio_core::EventLoop;
    ///
    /// // What `#[machine(protocol)] enum Http` makes as `http::STATE_NAMES`.
    /// static STATE_NAMES: StateNames = StateNames::new("Http", &["Request", "Respond"]);
    ///
    /// let event_loop = EventLoop::<()>::new()?;
    /// // In a machine: `scope.counters().states(&http::STATE_NAMES)`.
    /// match event_loop.counters().states(&STATE_NAMES) {
    ///     Some(counts) => counts.for_each(|(state, n)| println!("{state}: {n}")),
    ///     None => println!("no Http connection yet"),
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn states(&self, names: &'static StateNames) -> Option<impl Iterator<Item = (&'static str, u64)> + '_> {
        let counts = self.states.of(names)?;
        Some(names.names().iter().copied().zip(counts.iter().map(Counter::get)))
    }

    /// One error reported to the error hook.
    #[inline]
    pub(crate) fn failed(&self, kind: ErrorKind) {
        self.failed[failed_index(kind)].add(1);
    }
}

impl Snapshot {
    /// Machines in the loop's table: created less ended (never negative:
    /// ended is read first).
    pub fn machines_alive(&self) -> u64 {
        self.machines_created.saturating_sub(self.machines_ended)
    }

    /// As [`Counters::machines_failed`].
    pub fn machines_failed(&self) -> u64 {
        self.failed.iter().sum()
    }

    /// As [`Counters::machines_failed_with`].
    pub fn machines_failed_with(&self, kind: ErrorKind) -> u64 {
        self.failed[failed_index(kind)]
    }

    /// As [`Counters::states`]: the counts of `names`' states, in order.
    pub fn states(&self, names: &'static StateNames) -> Option<impl Iterator<Item = (&'static str, u64)> + '_> {
        let counts = self.states.of(names)?;
        Some(names.names().iter().copied().zip(counts.iter().copied()))
    }

    /// Every protocol the loop counted, with its states' names and counts.
    pub fn protocols(&self) -> impl Iterator<Item = (&'static StateNames, &[u64])> {
        self.states.each()
    }

    fn fmt_derived(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "machines_alive: {}", self.machines_alive())?;
        writeln!(f, "machines_failed: {}", self.machines_failed())?;
        for (i, &n) in self.failed.iter().enumerate().filter(|(_, &n)| n > 0) {
            match FAILED_KINDS.get(i) {
                Some(kind) => writeln!(f, "machines_failed.{kind:?}: {n}")?,
                None => writeln!(f, "machines_failed.other_kinds: {n}")?,
            }
        }
        for (names, counts) in self.protocols() {
            for (state, n) in names.names().iter().zip(counts) {
                writeln!(f, "state.{}.{state}: {n}", names.protocol())?;
            }
        }
        Ok(())
    }
}

/// A loop's counters, from any thread: cloneable, `Send` and `Sync`, and
/// valid after the loop is gone (it then keeps the last counts).
///
/// # Examples
///
/// ```
/// use mio_core::machine::{Loop, LoopConfig};
/// # use mio_core::machine::{Created, Machine, Response, Scope};
/// # struct Idle;
/// # impl Machine for Idle {
/// #     type Context = ();
/// #     type Seed = ();
/// #     fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> { Created::ok(Idle) }
/// #     fn ready(self, _: mio_core::EventSet, _: &mut Scope<'_, ()>) -> Response<Self, ()> { Response::ok(self) }
/// #     fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> { Response::ok(self) }
/// # }
///
/// let mut lp = Loop::<Idle>::new(&LoopConfig::new())?;
/// let handle = lp.counters_handle();
/// lp.add_machine_with(|_| Created::ok(Idle)).unwrap();
/// let snapshot = std::thread::spawn(move || handle.snapshot()).join().unwrap();
/// assert_eq!(snapshot.machines_alive(), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CountersHandle(Arc<Counters>);

impl CountersHandle {
    pub(crate) fn new(counters: Arc<Counters>) -> CountersHandle {
        CountersHandle(counters)
    }

    /// The loop's counts, read now (see the [module](self) for how
    /// consistent they are).
    pub fn snapshot(&self) -> Snapshot {
        self.0.snapshot()
    }
}
