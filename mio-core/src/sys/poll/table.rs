//! The registration table: the pollfd array and, beside it, what each entry means.

use std::io;
use std::os::fd::RawFd;

use super::fd_index::FdIndex;
use super::readiness::Armed;
use crate::{EventSet, IoEvent, PollOpt, Token};

/// Identity of the open file behind an fd, taken at registration, so a
/// registration left behind by a closed fd is told apart from a new fd that
/// reuses the number.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct FileId {
    pub(super) dev: u64,
    pub(super) ino: u64,
}

/// One registration (position 0 is the selector's own notify pipe).
#[derive(Debug)]
pub(super) struct Slot {
    fd: RawFd,
    token: Token,
    interest: EventSet,
    opts: PollOpt,
    armed: Armed,
    file: FileId,
    /// Unique per (re)registration: an event read from a snapshot is applied
    /// only if the entry it came from is still the same registration.
    pub(super) generation: u64,
}

/// All registrations. `fds[i]` and `slots[i]` describe the same entry; both
/// vectors are allocated once with room for every allowed registration, and
/// removal swaps the last entry into the hole, so nothing grows or shifts.
pub(super) struct Table {
    fds: Vec<libc::pollfd>,
    slots: Vec<Slot>,
    index: FdIndex,
    /// User registrations allowed; the loop's waker (`Token::RESERVED`) has
    /// one more slot of its own.
    capacity: usize,
    reserved_used: bool,
    next_generation: u64,
    /// Bumped on every change to `fds`, so the poller knows to re-snapshot.
    pub(super) version: u64,
    /// A thread is blocked in poll(2) on a snapshot of `fds`.
    pub(super) polling: bool,
    /// The notify pipe was written since the poll began.
    pub(super) notified: bool,
}

impl Table {
    /// A table for `capacity` registrations whose entry 0 polls `notify_fd`.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` if the arrays cannot be allocated.
    pub(super) fn new(capacity: usize, notify_fd: RawFd) -> io::Result<Table> {
        let entries = capacity.saturating_add(2);
        let mut fds = preallocate(entries)?;
        let mut slots = preallocate(entries)?;
        fds.push(libc::pollfd { fd: notify_fd, events: libc::POLLIN, revents: 0 });
        slots.push(Slot {
            fd: notify_fd,
            token: Token::RESERVED,
            interest: EventSet::readable(),
            opts: PollOpt::level(),
            armed: Armed::full(EventSet::readable()),
            file: FileId { dev: 0, ino: 0 },
            generation: 0,
        });
        Ok(Table {
            fds,
            slots,
            index: FdIndex::with_capacity(entries)?,
            capacity,
            reserved_used: false,
            next_generation: 1,
            version: 0,
            polling: false,
            notified: false,
        })
    }

    /// The pollfd array (entry 0 is the notify pipe).
    pub(super) fn fds(&self) -> &[libc::pollfd] {
        &self.fds
    }

    /// The generation of each entry, parallel to `fds`.
    pub(super) fn generations(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().map(|s| s.generation)
    }

    /// Adds a registration.
    ///
    /// An entry left for the same fd number by a file that was closed
    /// without deregistering (its `FileId` differs) is replaced, as epoll
    /// forgets a closed fd.
    ///
    /// # Errors
    ///
    /// `AlreadyExists` if `fd` is registered; `OutOfMemory` if the table is full.
    pub(super) fn register(
        &mut self,
        fd: RawFd,
        file: FileId,
        token: Token,
        interest: EventSet,
        opts: PollOpt,
    ) -> io::Result<()> {
        if let Some(pos) = self.index.get(fd) {
            if self.slots[pos].file == file {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, "fd is already registered with this Poll"));
            }
            self.remove_at(pos);
        }
        let reserved = token == Token::RESERVED;
        if reserved && self.reserved_used {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the reserved token is taken"));
        }
        if !reserved && self.user_registrations() >= self.capacity {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                "poll(2) registration table is full: raise Poll::with_registrations / EventLoopConfig::registrations",
            ));
        }
        self.reserved_used |= reserved;
        let generation = self.bump_generation();
        let armed = Armed::full(interest);
        self.index.insert(fd, self.fds.len());
        self.fds.push(pollfd_of(fd, armed));
        self.slots.push(Slot { fd, token, interest, opts, armed, file, generation });
        self.version += 1;
        Ok(())
    }

    /// Replaces token, interest and options of `fd` and arms it fully.
    ///
    /// # Errors
    ///
    /// `NotFound` if `fd` is not registered.
    pub(super) fn reregister(&mut self, fd: RawFd, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        let pos = self.index.get(fd).ok_or_else(not_registered)?;
        let generation = self.bump_generation();
        let slot = &mut self.slots[pos];
        if slot.token == Token::RESERVED && token != Token::RESERVED {
            self.reserved_used = false;
        }
        slot.token = token;
        slot.interest = interest;
        slot.opts = opts;
        slot.armed = Armed::full(interest);
        slot.generation = generation;
        self.fds[pos] = pollfd_of(fd, slot.armed);
        self.version += 1;
        Ok(())
    }

    /// Removes the registration of `fd`.
    ///
    /// # Errors
    ///
    /// `NotFound` if `fd` is not registered.
    pub(super) fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        let pos = self.index.get(fd).ok_or_else(not_registered)?;
        self.remove_at(pos);
        Ok(())
    }

    /// Re-arms an edge registration after its IO hit `WouldBlock`. Returns
    /// whether anything changed (level and oneshot registrations never do).
    pub(super) fn rearm(&mut self, fd: RawFd) -> bool {
        let Some(pos) = self.index.get(fd) else { return false };
        let slot = &mut self.slots[pos];
        let full = Armed::full(slot.interest);
        if !slot.opts.is_edge() || slot.opts.is_oneshot() || slot.armed == full {
            return false;
        }
        slot.armed = full;
        self.fds[pos] = pollfd_of(fd, full);
        self.version += 1;
        true
    }

    /// Applies `revents` seen on a snapshot entry that held `fd` with
    /// `generation`, and returns the event to report, if any.
    ///
    /// A stale entry (`POLLNVAL`: the fd was closed without deregistering) is
    /// dropped without an event: epoll forgets closed fds, and a closed fd
    /// left in the array would be reported on every poll, and its number may
    /// be reused. An entry deregistered or reregistered since the snapshot is
    /// skipped; poll(2) is level-triggered underneath, so if it is still ready
    /// the next poll reports it.
    pub(super) fn apply(
        &mut self,
        snap_pos: usize,
        fd: RawFd,
        generation: u64,
        revents: libc::c_short,
    ) -> Option<IoEvent> {
        let pos = self.locate(snap_pos, fd, generation)?;
        if revents & libc::POLLNVAL != 0 {
            self.remove_at(pos);
            return None;
        }
        let slot = &mut self.slots[pos];
        let kind = slot.armed.report(revents);
        if kind.is_none() {
            return None;
        }
        let before = slot.armed;
        slot.armed.after_report(slot.opts, kind, revents);
        if slot.armed != before {
            self.fds[pos] = pollfd_of(slot.fd, slot.armed);
            self.version += 1;
        }
        Some(IoEvent::new(kind, slot.token))
    }

    /// Where the registration seen at `snap_pos` of a snapshot is now.
    fn locate(&self, snap_pos: usize, fd: RawFd, generation: u64) -> Option<usize> {
        if snap_pos > 0 && self.slots.get(snap_pos).is_some_and(|s| s.generation == generation) {
            return Some(snap_pos);
        }
        let pos = self.index.get(fd)?;
        (self.slots[pos].generation == generation).then_some(pos)
    }

    fn remove_at(&mut self, pos: usize) {
        debug_assert!(pos > 0, "the notify pipe is never removed");
        let slot = self.slots.swap_remove(pos);
        self.fds.swap_remove(pos);
        self.index.remove(slot.fd);
        if slot.token == Token::RESERVED {
            self.reserved_used = false;
        }
        if let Some(moved) = self.slots.get(pos) {
            self.index.insert(moved.fd, pos);
        }
        self.version += 1;
    }

    fn user_registrations(&self) -> usize {
        self.slots.len() - 1 - usize::from(self.reserved_used)
    }

    fn bump_generation(&mut self) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        generation
    }
}

/// The pollfd of a registration: a negative fd is skipped by poll(2).
fn pollfd_of(fd: RawFd, armed: Armed) -> libc::pollfd {
    libc::pollfd { fd: if armed.polled() { fd } else { -1 }, events: armed.poll_events(), revents: 0 }
}

/// An empty vector with room for exactly `n` items, or `OutOfMemory`.
pub(super) fn preallocate<T>(n: usize) -> io::Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "cannot allocate the poll(2) registration table"))?;
    Ok(v)
}

fn not_registered() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "fd is not registered with this Poll")
}
