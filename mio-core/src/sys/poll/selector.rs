//! The poll(2) selector: a preallocated table, snapshotted for each poll.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::table::{preallocate, FileId, Table};
use super::Events;
use crate::sys::{pipe, syscall};
use crate::{EventSet, PollOpt, Token};

/// The largest registration capacity accepted (positions are kept in `u32`).
const MAX_REGISTRATIONS: usize = 1 << 30;

/// Source of unique selector ids (0 means "not registered").
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A poll(2) selector.
///
/// poll(2) keeps no state in the kernel, so the selector keeps the pollfd
/// array itself, sized at construction for `capacity` registrations. Each
/// `select` copies the array (when it changed) into a second preallocated
/// array owned by the polling thread and polls that copy, so other threads
/// may register, reregister and deregister meanwhile: a change made while a
/// poll is blocked writes one byte to an internal pipe, which ends the poll;
/// the selector then takes a fresh copy and polls again with the time left.
/// The cost of one poll is O(registered fds).
#[derive(Debug)]
pub(crate) struct Selector {
    shared: Arc<Shared>,
}

/// The state shared by the selector and, through a `Weak`, the sources
/// registered with it (which re-arm their edge registration and remove
/// themselves on drop).
pub(super) struct Shared {
    id: usize,
    table: Mutex<Table>,
    snapshot: Mutex<Snapshot>,
    notify_read: OwnedFd,
    notify_write: OwnedFd,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("id", &self.id).finish_non_exhaustive()
    }
}

/// The polling thread's copy of the table.
struct Snapshot {
    fds: Vec<libc::pollfd>,
    generations: Vec<u64>,
    /// The table version copied; `u64::MAX` forces the first copy.
    version: u64,
    /// Where the next scan of results starts, so that when more fds are
    /// ready than `Events` holds, the ones left out come first next time.
    cursor: usize,
}

impl Selector {
    /// Creates a selector for `capacity` registrations (plus the loop's
    /// waker), allocating all its tables now, and its notify pipe.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above [`MAX_REGISTRATIONS`]; `OutOfMemory` if the
    /// tables cannot be allocated; the OS error of `pipe2`.
    pub(crate) fn new(capacity: usize) -> io::Result<Selector> {
        if capacity > MAX_REGISTRATIONS {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "more than 2^30 registrations asked for"));
        }
        let (notify_read, notify_write) = pipe::new_pipe()?;
        let table = Table::new(capacity, notify_read.as_raw_fd())?;
        let entries = capacity + 2;
        let snapshot =
            Snapshot { fds: preallocate(entries)?, generations: preallocate(entries)?, version: u64::MAX, cursor: 0 };
        let shared = Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            table: Mutex::new(table),
            snapshot: Mutex::new(snapshot),
            notify_read,
            notify_write,
        };
        Ok(Selector { shared: Arc::new(shared) })
    }

    /// A process-unique id, used to catch a source registered with two selectors.
    pub(crate) fn id(&self) -> usize {
        self.shared.id
    }

    /// A handle for a registered source; `Weak::clone`-cheap, never allocates.
    pub(super) fn downgrade(&self) -> Weak<Shared> {
        Arc::downgrade(&self.shared)
    }

    /// Waits for events, at most `timeout` (rounded up to whole milliseconds,
    /// so a wait never ends early). Fills `events` from the start.
    ///
    /// One thread polls at a time; a second caller waits for the first.
    pub(crate) fn select(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut snap = lock(&self.shared.snapshot);
        loop {
            self.take_snapshot(&mut snap);
            let wait = match (timeout, deadline) {
                (None, _) => None,
                (Some(_), None) => Some(Duration::MAX),
                (Some(_), Some(d)) => Some(d.saturating_duration_since(Instant::now())),
            };
            let len = snap.fds.len() as libc::nfds_t;
            // SAFETY: the pointer and length describe the snapshot's
            // initialised pollfds, which stay borrowed (and unmoved) until
            // poll returns.
            let res = syscall!(unsafe { libc::poll(snap.fds.as_mut_ptr(), len, timeout_ms(wait)) });
            let mut table = self.shared.finish_poll();
            let n = res?;
            if n > 0 {
                collect(&mut table, &mut snap, events);
            }
            let expired = wait.is_some_and(|w| w.is_zero()) || deadline.is_some_and(|d| Instant::now() >= d);
            if events.len() > 0 || n == 0 || expired {
                return Ok(());
            }
            // Woken by a registration change or by stale entries only: poll
            // again on the new table with the time left.
        }
    }

    /// Copies the table if it changed since the last copy, and marks the
    /// poll as in progress.
    fn take_snapshot(&self, snap: &mut Snapshot) {
        let mut table = lock(&self.shared.table);
        if snap.version != table.version {
            snap.fds.clear();
            snap.fds.extend_from_slice(table.fds());
            snap.generations.clear();
            snap.generations.extend(table.generations());
            snap.version = table.version;
        }
        table.polling = true;
    }

    /// Adds `fd`.
    ///
    /// # Errors
    ///
    /// `AlreadyExists` if it is registered; `OutOfMemory` if the table is
    /// full; the OS error of `fstat` for a bad fd.
    pub(crate) fn register(&self, fd: RawFd, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        let file = file_id(fd)?;
        self.shared.change(|t| t.register(fd, file, token, interest, opts))
    }

    /// Changes the registration of `fd` and arms it fully.
    ///
    /// # Errors
    ///
    /// `NotFound` if it is not registered.
    pub(crate) fn reregister(&self, fd: RawFd, token: Token, interest: EventSet, opts: PollOpt) -> io::Result<()> {
        self.shared.change(|t| t.reregister(fd, token, interest, opts))
    }

    /// Removes `fd`.
    ///
    /// # Errors
    ///
    /// `NotFound` if it is not registered.
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.shared.change(|t| t.deregister(fd))
    }
}

impl Shared {
    /// Re-arms the edge registration of `fd` after its IO hit `WouldBlock`.
    pub(super) fn rearm(&self, fd: RawFd) {
        let mut table = lock(&self.table);
        if table.rearm(fd) {
            self.notify_poller(&mut table);
        }
    }

    /// Removes `fd` if it is registered (a source being dropped).
    pub(super) fn forget(&self, fd: RawFd) {
        let _ = self.change(|t| t.deregister(fd));
    }

    /// Runs a change of the table and, if a poll is blocked on an older
    /// copy, wakes it.
    fn change(&self, f: impl FnOnce(&mut Table) -> io::Result<()>) -> io::Result<()> {
        let mut table = lock(&self.table);
        f(&mut table)?;
        self.notify_poller(&mut table);
        Ok(())
    }

    /// Writes the notify pipe once per poll, if a poll is in progress.
    fn notify_poller(&self, table: &mut Table) {
        if table.polling && !table.notified {
            table.notified = true;
            let byte = 1u8;
            // A full pipe (`WouldBlock`) is readable already; nothing else
            // can fail on a pipe whose read end we hold.
            // SAFETY: writes one byte from a live local to our own pipe.
            let _ = syscall!(unsafe { libc::write(self.notify_write.as_raw_fd(), (&raw const byte).cast(), 1) });
        }
    }

    /// Marks the poll as over and empties the notify pipe if it was written.
    fn finish_poll(&self) -> MutexGuard<'_, Table> {
        let mut table = lock(&self.table);
        table.polling = false;
        if table.notified {
            table.notified = false;
            let mut buf = [0u8; 16];
            let fd = self.notify_read.as_raw_fd();
            // SAFETY: reads at most `buf.len()` bytes into the local buffer.
            while let Ok(n) = syscall!(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }) {
                if (n as usize) < buf.len() {
                    break;
                }
            }
        }
        table
    }
}

/// Turns the ready entries of `snap` into events, starting at the cursor
/// and stopping when `events` is full.
fn collect(table: &mut Table, snap: &mut Snapshot, events: &mut Events) {
    let len = snap.fds.len();
    let start = snap.cursor.min(len.saturating_sub(1));
    for step in 0..len {
        let i = (start + step) % len;
        let fd = snap.fds[i].fd;
        let revents = std::mem::take(&mut snap.fds[i].revents);
        if revents == 0 || i == 0 {
            continue;
        }
        if events.is_full() {
            // Leave this one for the next poll and start there.
            snap.cursor = i;
            return;
        }
        if let Some(event) = table.apply(i, fd, snap.generations[i], revents) {
            events.push(event);
        }
    }
}

/// The poll(2) timeout in milliseconds, rounded up; -1 waits forever.
fn timeout_ms(timeout: Option<Duration>) -> libc::c_int {
    match timeout {
        None => -1,
        Some(d) => d.as_nanos().div_ceil(1_000_000).min(libc::c_int::MAX as u128) as libc::c_int,
    }
}

/// The identity of the file open at `fd`.
fn file_id(fd: RawFd) -> io::Result<FileId> {
    let mut stat = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes at most one `stat` through the pointer.
    syscall!(unsafe { libc::fstat(fd, stat.as_mut_ptr()) })?;
    // SAFETY: fstat succeeded, so it filled the whole struct.
    let stat = unsafe { stat.assume_init() };
    #[allow(clippy::unnecessary_cast)] // the field types differ between OSes
    Ok(FileId { dev: stat.st_dev as u64, ino: stat.st_ino as u64 })
}

/// Locks, ignoring poisoning: the table stays consistent between calls, as
/// no method panics halfway through a change.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
