//! What a registration may still report, and its translation to poll(2) flags.

use crate::sys::POLLRDHUP;
use crate::{EventSet, PollOpt};

/// The interests of one registration that are currently armed.
///
/// Bits: `readable` asks for `POLLIN`, `writable` for `POLLOUT`, `hup` for
/// `POLLRDHUP`, and `error` keeps the fd in the poll set at all (poll(2)
/// always reports `POLLHUP` and `POLLERR`, so the only way to stop reporting
/// them is to leave the fd out). Level registrations stay fully armed; edge
/// and oneshot ones are disarmed as they report (see [`Armed::after_report`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Armed(EventSet);

impl Armed {
    /// Everything `interest` asks for. As on epoll, readable interest also
    /// asks for the peer's half-close (reported as hup), and hup and error are
    /// always reported.
    pub(super) fn full(interest: EventSet) -> Armed {
        let mut set = EventSet::error();
        if interest.is_readable() {
            set.insert(EventSet::readable() | EventSet::hup());
        }
        if interest.is_writable() {
            set.insert(EventSet::writable());
        }
        if interest.is_hup() {
            set.insert(EventSet::hup());
        }
        Armed(set)
    }

    /// Whether the fd belongs in the poll set.
    pub(super) fn polled(self) -> bool {
        self.0.is_error()
    }

    /// The `events` field of the pollfd.
    pub(super) fn poll_events(self) -> libc::c_short {
        let mut bits = 0;
        if self.0.is_readable() {
            bits |= libc::POLLIN;
        }
        if self.0.is_writable() {
            bits |= libc::POLLOUT;
        }
        if self.0.is_hup() {
            bits |= POLLRDHUP;
        }
        bits
    }

    /// The event to report for `revents`, keeping only what is armed now
    /// (the revents may come from a snapshot taken before a change).
    pub(super) fn report(self, revents: libc::c_short) -> EventSet {
        let armed = self.0;
        let mut kind = EventSet::none();
        if revents & libc::POLLIN != 0 && armed.is_readable() {
            kind.insert(EventSet::readable());
        }
        if revents & libc::POLLOUT != 0 && armed.is_writable() {
            kind.insert(EventSet::writable());
        }
        if revents & POLLRDHUP != 0 && armed.is_hup() {
            kind.insert(EventSet::hup());
        }
        if armed.is_error() {
            if revents & libc::POLLHUP != 0 {
                kind.insert(EventSet::hup());
            }
            if revents & libc::POLLERR != 0 {
                kind.insert(EventSet::error());
            }
        }
        kind
    }

    /// Disarms after `kind` was reported for `revents`.
    ///
    /// * level: nothing changes; the event comes again while the fd is ready.
    /// * oneshot: everything is disarmed until `reregister`.
    /// * edge: the reported readable/writable/half-close interests are
    ///   disarmed until the source's IO hits `WouldBlock` or it is
    ///   reregistered; after `POLLHUP` or `POLLERR` (which poll(2) cannot mask)
    ///   the fd leaves the poll set until then.
    pub(super) fn after_report(&mut self, opts: PollOpt, kind: EventSet, revents: libc::c_short) {
        if opts.is_oneshot() {
            self.0 = EventSet::none();
        } else if opts.is_edge() {
            self.0.remove(kind & (EventSet::readable() | EventSet::writable()));
            if revents & POLLRDHUP != 0 {
                self.0.remove(EventSet::hup());
            }
            if revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                self.0.remove(EventSet::error());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Armed;
    use crate::{EventSet, PollOpt};

    #[test]
    fn readable_interest_asks_for_half_close() {
        let armed = Armed::full(EventSet::readable());
        assert!(armed.polled());
        assert_eq!(armed.poll_events() & libc::POLLIN, libc::POLLIN);
        assert_eq!(armed.poll_events() & libc::POLLOUT, 0);
    }

    #[test]
    fn edge_disarms_what_it_reported() {
        let mut armed = Armed::full(EventSet::readable() | EventSet::writable());
        let kind = armed.report(libc::POLLIN);
        assert_eq!(kind, EventSet::readable());
        armed.after_report(PollOpt::edge(), kind, libc::POLLIN);
        assert_eq!(armed.report(libc::POLLIN | libc::POLLOUT), EventSet::writable());
        assert!(armed.polled());
    }

    #[test]
    fn edge_leaves_the_poll_set_after_hangup() {
        let mut armed = Armed::full(EventSet::writable());
        let kind = armed.report(libc::POLLERR);
        assert_eq!(kind, EventSet::error());
        armed.after_report(PollOpt::edge(), kind, libc::POLLERR);
        assert!(!armed.polled());
    }

    #[test]
    fn level_stays_armed_and_oneshot_disarms_all() {
        let mut level = Armed::full(EventSet::readable());
        level.after_report(PollOpt::level(), EventSet::readable(), libc::POLLIN);
        assert_eq!(level, Armed::full(EventSet::readable()));
        let mut oneshot = Armed::full(EventSet::readable());
        oneshot.after_report(PollOpt::oneshot(), EventSet::readable(), libc::POLLIN);
        assert!(!oneshot.polled());
        assert_eq!(oneshot.report(libc::POLLIN | libc::POLLHUP), EventSet::none());
    }
}
