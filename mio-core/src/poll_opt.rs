//! `PollOpt`: how readiness is reported (edge, level, oneshot).

use crate::bitset::bit_set;

/// Registration options: edge- or level-triggered, and oneshot.
///
/// * `edge()`: an event is reported once per readiness change; read or write
///   until `WouldBlock` before waiting again.
/// * `level()`: an event is reported on every poll while the source is ready.
///   This is the default when neither is given.
/// * `oneshot()`: after one event the registration is disabled until
///   `reregister`.
///
/// # Examples
///
/// ```
/// use mio_core::PollOpt;
///
/// let opts = PollOpt::edge() | PollOpt::oneshot();
/// assert!(opts.is_edge() && opts.is_oneshot() && !opts.is_level());
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct PollOpt(u8);

bit_set!(
    PollOpt,
    [(edge, is_edge, 0b001, "Edge"), (level, is_level, 0b010, "Level"), (oneshot, is_oneshot, 0b100, "Oneshot"),]
);
