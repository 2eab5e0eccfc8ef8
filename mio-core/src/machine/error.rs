//! Typed, non-allocating errors of the machine layer.

use std::{fmt, io};

/// Why a machine ended with [`Response::error`](super::Response::error) or a
/// seed could not be created: an `io::ErrorKind`, the OS error code if there
/// was one, and a static description. Never allocates.
///
/// # Examples
///
/// ```
/// use std::io;
/// use mio_core::machine::MachineError;
///
/// let e = MachineError::from(io::Error::from_raw_os_error(libc_econnreset()));
/// assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
/// # fn libc_econnreset() -> i32 { 104 }
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MachineError {
    kind: io::ErrorKind,
    os_code: Option<i32>,
    what: &'static str,
}

/// The timer holds `timer_capacity` timeouts: a deadline could not be armed,
/// so the machine that asked for it ends with this error.
pub(crate) const TIMER_FULL: MachineError = MachineError::new(io::ErrorKind::OutOfMemory, "timer capacity exhausted");

/// Every slot of the machine table is taken.
pub(crate) const NO_FREE_SLOT: MachineError = MachineError::new(io::ErrorKind::OutOfMemory, "no free machine slot");

impl MachineError {
    /// An error of `kind` described by `what`.
    pub const fn new(kind: io::ErrorKind, what: &'static str) -> MachineError {
        MachineError { kind, os_code: None, what }
    }

    /// The kind of error.
    pub fn kind(&self) -> io::ErrorKind {
        self.kind
    }

    /// The OS error code, if it came from one.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.os_code
    }

    /// The static description.
    pub fn what(&self) -> &'static str {
        self.what
    }
}

impl From<io::Error> for MachineError {
    /// Keeps the kind and OS code; a custom message is not kept (that would
    /// allocate).
    fn from(e: io::Error) -> MachineError {
        MachineError { kind: e.kind(), os_code: e.raw_os_error(), what: "io error" }
    }
}

impl fmt::Display for MachineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.os_code {
            Some(code) => write!(f, "{}: {}", self.what, io::Error::from_raw_os_error(code)),
            None => write!(f, "{} ({:?})", self.what, self.kind),
        }
    }
}

impl std::error::Error for MachineError {}

/// Why a spawn failed; carries the seed back to
/// [`Machine::spawn_error`](super::Machine::spawn_error).
#[derive(Debug)]
pub struct SpawnError<S> {
    /// The seed that was not turned into a machine.
    pub seed: S,
    /// What went wrong.
    pub kind: SpawnErrorKind,
}

/// The kinds of [`SpawnError`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnErrorKind {
    /// Every slot of the machine slab is taken
    /// ([`LoopConfig::machines`](super::LoopConfig::machines)).
    NoSlabSpace,
}

impl fmt::Display for SpawnErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnErrorKind::NoSlabSpace => f.write_str("no free machine slot"),
        }
    }
}

/// [`Notifier::wakeup`](super::Notifier::wakeup) failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WakeupError {
    /// The loop's channel is full; try again later.
    Full,
    /// The loop is gone.
    Closed,
    /// The wake-up was queued but waking the loop failed (OS error code).
    Io(Option<i32>),
}

impl fmt::Display for WakeupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeupError::Full => f.write_str("loop channel full"),
            WakeupError::Closed => f.write_str("loop is gone"),
            WakeupError::Io(_) => f.write_str("waking the loop failed"),
        }
    }
}

impl std::error::Error for WakeupError {}

impl From<MachineError> for io::Error {
    /// An `io::Error` of the same kind: the OS error itself if there was
    /// one, else one carrying the description (which allocates: for setup
    /// code, such as `?` on [`Loop::add_machine_with`](super::Loop::add_machine_with)
    /// in a function returning `io::Result`).
    fn from(e: MachineError) -> io::Error {
        match e.os_code {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(e.kind, e.what),
        }
    }
}
