//! Per-state counts of stream protocols: how many connections are in each
//! state of each protocol that names its states (`#[machine(protocol)]`).
//!
//! A loop has room for [`MAX_STATE_COUNTS`] counts over at most
//! [`MAX_PROTOCOLS`] protocols. A protocol takes its place the first time
//! one of its connections is counted (on the loop thread, without
//! allocating); one that no longer fits is not counted at all, consistently.

use std::ptr;
use std::sync::OnceLock;

use super::Counter;

/// How many per-state counts a loop has room for, over all its protocols.
pub const MAX_STATE_COUNTS: usize = 64;

/// How many protocols' states a loop counts.
pub const MAX_PROTOCOLS: usize = 8;

/// A protocol's name and the names of its states, in declaration order: a
/// state's index here is the index of its count.
///
/// `#[machine(protocol)]` makes one as a `static` in the protocol's module
/// (`http::STATE_NAMES` for `enum Http`), and returns it from
/// [`Protocol::state_names`](crate::stream::Protocol::state_names). The
/// loop tells protocols apart by the address of this value, so it must be a
/// `static`.
///
/// # Examples
///
/// ```
/// use mio_core::counters::StateNames;
///
/// static NAMES: StateNames = StateNames::new("Echo", &["Reading", "Writing"]);
/// assert_eq!(NAMES.protocol(), "Echo");
/// assert_eq!(NAMES.names()[1], "Writing");
/// ```
#[derive(Debug)]
pub struct StateNames {
    protocol: &'static str,
    names: &'static [&'static str],
}

impl StateNames {
    /// The state names of `protocol`.
    pub const fn new(protocol: &'static str, names: &'static [&'static str]) -> StateNames {
        StateNames { protocol, names }
    }

    /// The protocol's name.
    pub fn protocol(&self) -> &'static str {
        self.protocol
    }

    /// The states' names, in the order of their counts.
    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }
}

/// The loop's per-state counts and which protocol owns which of them.
#[derive(Debug)]
pub(crate) struct StateCounts {
    /// The protocols in the order they were first counted; a protocol's
    /// counts follow those of the protocols before it.
    protocols: [OnceLock<&'static StateNames>; MAX_PROTOCOLS],
    counts: [Counter; MAX_STATE_COUNTS],
}

impl StateCounts {
    pub(crate) fn new() -> StateCounts {
        StateCounts {
            protocols: std::array::from_fn(|_| OnceLock::new()),
            counts: std::array::from_fn(|_| Counter::default()),
        }
    }

    /// Where `names`' counts start, taking a place for it if it has none and
    /// one is free; `None` when it does not fit. Loop thread only.
    #[inline]
    fn base(&self, names: &'static StateNames) -> Option<usize> {
        let mut base = 0;
        for slot in &self.protocols {
            match slot.get() {
                Some(known) if ptr::eq(*known, names) => return Some(base),
                Some(known) => base += known.names.len(),
                None if base + names.names.len() <= MAX_STATE_COUNTS => {
                    let _ = slot.set(names);
                    return Some(base);
                }
                None => return None,
            }
        }
        None
    }

    /// A connection of `names`' protocol moved from state `from` to state
    /// `to` (`None`: it was not counted yet / is no longer). Loop thread only.
    pub(crate) fn moved(&self, names: &'static StateNames, from: Option<usize>, to: Option<usize>) {
        let Some(base) = self.base(names) else { return };
        if let Some(from) = from {
            self.counts[base + from].sub(1);
        }
        if let Some(to) = to {
            self.counts[base + to].add(1);
        }
    }

    /// The counts of `names`' protocol, if the loop counted it.
    pub(crate) fn of(&self, names: &'static StateNames) -> Option<&[Counter]> {
        let mut base = 0;
        for known in self.protocols.iter().map_while(OnceLock::get) {
            if ptr::eq(*known, names) {
                return Some(&self.counts[base..base + names.names.len()]);
            }
            base += known.names.len();
        }
        None
    }

    /// A copy of every count and of the protocols they belong to.
    pub(crate) fn snapshot(&self) -> StatesSnapshot {
        // The protocols first: a count read after its protocol's entry was
        // read is one of that protocol's.
        let protocols = std::array::from_fn(|i| self.protocols[i].get().copied());
        StatesSnapshot { protocols, counts: std::array::from_fn(|i| self.counts[i].get()) }
    }
}

/// The per-state counts in a [`Snapshot`](super::Snapshot).
#[derive(Copy, Clone, Debug)]
pub(crate) struct StatesSnapshot {
    pub(crate) protocols: [Option<&'static StateNames>; MAX_PROTOCOLS],
    pub(crate) counts: [u64; MAX_STATE_COUNTS],
}

impl StatesSnapshot {
    /// The counts of `names`' protocol, if the loop had counted it.
    pub(crate) fn of(&self, names: &'static StateNames) -> Option<&[u64]> {
        self.each().find(|(known, _)| ptr::eq(*known, names)).map(|(_, counts)| counts)
    }

    /// Each protocol counted, with its counts.
    pub(crate) fn each(&self) -> impl Iterator<Item = (&'static StateNames, &[u64])> {
        let mut base = 0;
        self.protocols.iter().map_while(|p| *p).map(move |names| {
            let counts = &self.counts[base..base + names.names.len()];
            base += names.names.len();
            (names, counts)
        })
    }
}
