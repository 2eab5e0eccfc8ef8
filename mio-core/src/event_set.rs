//! `EventSet`: readiness kinds, as interest and as events.

use crate::bitset::bit_set;

/// A set of readiness kinds: readable, writable, error, hup.
///
/// Used both as the interest given at registration and as the readiness
/// reported in an [`IoEvent`](crate::IoEvent). Interest in `error` and `hup` is
/// implied: they are always reported.
///
/// # Examples
///
/// ```
/// use mio_core::EventSet;
///
/// let mut set = EventSet::readable() | EventSet::hup();
/// assert!(set.is_readable() && set.is_hup());
/// assert_eq!(format!("{:?}", set), "Readable | Hup");
/// set.remove(EventSet::hup());
/// assert_eq!(set, EventSet::readable());
/// assert_eq!(!EventSet::readable() - EventSet::error(), EventSet::writable() | EventSet::hup());
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct EventSet(u8);

bit_set!(
    EventSet,
    [
        (readable, is_readable, 0b0001, "Readable"),
        (writable, is_writable, 0b0010, "Writable"),
        (error, is_error, 0b0100, "Error"),
        (hup, is_hup, 0b1000, "Hup"),
    ]
);
