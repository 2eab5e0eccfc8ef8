//! Failures by error kind: a small fixed table, so counting one allocates
//! nothing and looks up at most a dozen kinds.

use std::io::ErrorKind;

/// The error kinds [`Counters`](super::Counters) counts failures under, one
/// counter each; every other kind is counted together under
/// [`OTHER_KINDS`].
///
/// The kinds a machine loop reports: the OS error of a failed read, write
/// or registration, `OutOfMemory` (no buffer, timer or machine slot),
/// `Other` (a protocol that made no progress or closed at create), and
/// whatever kind a machine's own error has.
pub const FAILED_KINDS: [ErrorKind; 10] = [
    ErrorKind::ConnectionReset,
    ErrorKind::ConnectionAborted,
    ErrorKind::BrokenPipe,
    ErrorKind::TimedOut,
    ErrorKind::UnexpectedEof,
    ErrorKind::InvalidData,
    ErrorKind::InvalidInput,
    ErrorKind::OutOfMemory,
    ErrorKind::Unsupported,
    ErrorKind::Other,
];

/// The index of the counter of failures whose kind is not in
/// [`FAILED_KINDS`]: the last of the `FAILED_KINDS.len() + 1` counters.
pub const OTHER_KINDS: usize = FAILED_KINDS.len();

/// The counter index for `kind`: its place in [`FAILED_KINDS`], or
/// [`OTHER_KINDS`].
///
/// # Examples
///
/// ```
/// use std::io::ErrorKind;
/// use mio_core::counters::{failed_index, FAILED_KINDS, OTHER_KINDS};
///
/// assert_eq!(FAILED_KINDS[failed_index(ErrorKind::BrokenPipe)], ErrorKind::BrokenPipe);
/// assert_eq!(failed_index(ErrorKind::NotFound), OTHER_KINDS);
/// ```
pub fn failed_index(kind: ErrorKind) -> usize {
    FAILED_KINDS.iter().position(|&k| k == kind).unwrap_or(OTHER_KINDS)
}
