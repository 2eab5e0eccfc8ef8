//! `GroupError`: what went wrong in a loop group, loop by loop.

use std::{fmt, io};

/// The step at which a loop (or the group itself) failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The group's settings are invalid (no threads, an empty CPU list), or
    /// the CPUs the process may use could not be read for
    /// [`Pinning::Spread`](super::Pinning::Spread).
    Config,
    /// Installing the shutdown signal handlers failed (another
    /// [`Signals`](crate::unix::Signals) is alive, say).
    Signals,
    /// The group could not start: a thread could not be spawned, or it was
    /// stopped (by a signal or [`Stopper::stop`](super::Stopper::stop))
    /// before every loop was set up (`Interrupted`).
    Start,
    /// Pinning the loop's thread to its CPU failed.
    Pin,
    /// Binding the loop's listener failed.
    Bind,
    /// Creating the loop (its [`LoopConfig`](crate::machine::LoopConfig)) or
    /// the caller's setup failed.
    Setup,
    /// The loop failed while running (an error of its poll); with no loop
    /// index, the supervisor's own poll failed (the loops were then
    /// stopped).
    Run,
    /// The loop's thread panicked (in the caller's setup or context factory,
    /// or in a machine); the message is the panic's.
    Panic,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Config => "invalid configuration",
            Stage::Signals => "cannot install signal handlers",
            Stage::Start => "cannot start",
            Stage::Pin => "cannot pin its thread",
            Stage::Bind => "cannot bind its listener",
            Stage::Setup => "setup failed",
            Stage::Run => "failed while running",
            Stage::Panic => "panicked",
        })
    }
}

/// One failure in a loop group: which loop (`None` for the group itself),
/// at which [`Stage`], and the error.
#[derive(Debug)]
pub struct LoopFailure {
    index: Option<usize>,
    stage: Stage,
    error: io::Error,
}

impl LoopFailure {
    pub(crate) fn new(index: Option<usize>, stage: Stage, error: io::Error) -> LoopFailure {
        LoopFailure { index, stage, error }
    }

    /// The loop's index (0 to threads - 1), or `None` for a failure of the
    /// group as a whole (configuration, signals).
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// Where it failed.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The error.
    pub fn error(&self) -> &io::Error {
        &self.error
    }

    /// Takes the error.
    pub fn into_error(self) -> io::Error {
        self.error
    }
}

impl fmt::Display for LoopFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "loop {i} {}: {}", self.stage, self.error),
            None => write!(f, "loop group {}: {}", self.stage, self.error),
        }
    }
}

impl std::error::Error for LoopFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Every failure of a loop group, ordered by loop index (the group's own
/// first): what [`LoopGroup::spawn`](super::LoopGroup::spawn) and
/// [`Loops::wait`](super::Loops::wait) return when anything failed. Never
/// empty.
///
/// Converts into an `io::Error` of the first failure's kind, so `main` can
/// use `?`.
///
/// # Examples
///
/// ```
/// use mio_core::machine::{Loop, SignalShutdown};
/// use mio_core::serve::{LoopGroup, Stage};
///
/// let taken = std::net::TcpListener::bind("127.0.0.1:0")?; // no SO_REUSEPORT
/// let err = LoopGroup::new(taken.local_addr()?)
///     .threads(2)
///     .spawn(|_index| (), |_lp: &mut Loop<SignalShutdown<()>>, _listener, _index| Ok(()))
///     .unwrap_err();
/// let first = &err.failures()[0];
/// assert_eq!((first.index(), first.stage()), (Some(0), Stage::Bind));
/// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct GroupError {
    failures: Vec<LoopFailure>,
}

impl GroupError {
    /// A group error of failures in any order; they are sorted (the group's
    /// own first, then by loop index, each loop's in the order given).
    /// `None` if there are none.
    pub(crate) fn from_failures(mut failures: Vec<LoopFailure>) -> Option<GroupError> {
        failures.sort_by_key(|f| f.index.map_or(0, |i| i + 1));
        (!failures.is_empty()).then_some(GroupError { failures })
    }

    /// A failure of the group as a whole.
    pub(crate) fn group(stage: Stage, error: io::Error) -> GroupError {
        GroupError { failures: vec![LoopFailure::new(None, stage, error)] }
    }

    /// Every failure, the group's own first, then by loop index.
    pub fn failures(&self) -> &[LoopFailure] {
        &self.failures
    }

    /// Takes the failures.
    pub fn into_failures(self) -> Vec<LoopFailure> {
        self.failures
    }

    /// The kind of the first failure's error.
    pub fn kind(&self) -> io::ErrorKind {
        self.failures[0].error.kind()
    }
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            failure.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for GroupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.failures[0])
    }
}

impl From<GroupError> for io::Error {
    /// An error of the first failure's kind that carries the whole
    /// [`GroupError`] (every loop's failure in its message).
    fn from(e: GroupError) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}
