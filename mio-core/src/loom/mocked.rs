//! The primitives of a model (`--cfg loom`, unit tests): loom's.

use std::io;
use std::os::fd::RawFd;

pub(crate) mod sync {
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};

        /// A `fence(SeqCst)`: gives the `SeqCst` accesses around it the total
        /// order that loom does not model (see the shim's module doc).
        pub(crate) fn loom_seq_cst_fence() {
            loom::sync::atomic::fence(Ordering::SeqCst);
        }
    }
}

pub(crate) mod cell {
    pub(crate) use loom::cell::UnsafeCell;
}

/// Rounds of [`Backoff::snooze`] before [`Backoff::is_completed`].
const SNOOZE_LIMIT: u32 = 2;

/// The model's wait policy: every wait is one yield (a point where loom
/// runs another thread), and a wait for another thread gives up after two.
#[derive(Debug)]
pub(crate) struct Backoff {
    step: u32,
}

impl Backoff {
    pub(crate) fn new() -> Backoff {
        Backoff { step: 0 }
    }

    pub(crate) fn spin(&mut self) {
        loom::hint::spin_loop();
        self.step += 1;
    }

    pub(crate) fn snooze(&mut self) {
        loom::thread::yield_now();
        self.step += 1;
    }

    pub(crate) fn is_completed(&self) -> bool {
        self.step >= SNOOZE_LIMIT
    }
}

/// The loop's waker in a model: the OS waker, and whether it is readable
/// as loom data, which a model's `poll` blocks on ([`wait`](Self::wait)) as
/// a real poll blocks on the OS waker. A send that should wake a sleeping
/// loop and does not leaves the model's loop blocked forever: loom reports
/// the deadlock. (Models never poll the OS waker; it is written and drained
/// as in a real loop, and its fd is what the loop's code registers.)
#[derive(Debug)]
pub(crate) struct Waker {
    os: crate::sys::Waker,
    readable: loom::sync::Mutex<bool>,
    written: loom::sync::Condvar,
}

impl Waker {
    pub(crate) fn new() -> io::Result<Waker> {
        Ok(Waker {
            os: crate::sys::Waker::new()?,
            readable: loom::sync::Mutex::new(false),
            written: loom::sync::Condvar::new(),
        })
    }

    /// Makes the waker readable. The mutex orders the writer's earlier
    /// writes before the return of a poll that sees it, as the kernel does.
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.os.wake()?;
        *self.readable.lock().unwrap() = true;
        self.written.notify_all();
        Ok(())
    }

    /// Resets the waker.
    pub(crate) fn drain(&self) {
        self.os.drain();
        *self.readable.lock().unwrap() = false;
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.os.as_raw_fd()
    }

    /// Model only: whether the waker is readable (a poll would report it).
    pub(crate) fn is_readable(&self) -> bool {
        *self.readable.lock().unwrap()
    }

    /// Model only: blocks until the waker is readable, as a poll without a
    /// timeout would.
    pub(crate) fn wait(&self) {
        let mut readable = self.readable.lock().unwrap();
        while !*readable {
            readable = self.written.wait(readable).unwrap();
        }
    }
}
