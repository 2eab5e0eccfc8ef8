//! The sleep/wake handshake between the loop and its senders.

use std::io;
use std::sync::atomic::{fence, AtomicU64, AtomicU8, Ordering};

use crate::sys::Waker;

/// The loop is running handlers (or polls without blocking): senders only push.
const AWAKE: u8 = 0;
/// The loop may be blocked in `poll`: the first sender to see this wakes it.
const SLEEPING: u8 = 1;
/// A sender has written (or is writing) the waker for this sleep.
const NOTIFIED: u8 = 2;

/// Whether the loop may be blocked in `poll`, and the waker to end that.
///
/// The handshake is Dekker's: each side writes its own flag, then a `SeqCst`
/// fence, then reads the other side's.
///
/// * The loop, before a poll that may block, stores `SLEEPING`, fences, and
///   checks the queue one last time ([`going_to_sleep`](Self::going_to_sleep)
///   then `Receiver::has_pending`); it blocks only if the queue is empty.
/// * A sender pushes its message, fences, and reads the state
///   ([`notify`](Self::notify)); only if it is `SLEEPING` does it try to move
///   it to `NOTIFIED`, and only the sender whose swap succeeds writes the waker.
///
/// The two fences are totally ordered. If the loop's fence comes first, the
/// sender's read comes after the loop's store and sees `SLEEPING` (or
/// `NOTIFIED`, where another sender's write is already on its way). If the
/// sender's fence comes first, its push is visible to the loop's last check,
/// and the loop does not block. So a queued message never waits for an
/// unrelated wake-up, and each sleep costs at most one waker write: while the
/// loop is `AWAKE` a send costs the push, a fence and a load, no system call.
#[derive(Debug)]
pub(crate) struct WakeState {
    state: AtomicU8,
    waker: Waker,
    writes: AtomicU64,
}

impl WakeState {
    pub(crate) fn new() -> io::Result<WakeState> {
        Ok(WakeState { state: AtomicU8::new(AWAKE), waker: Waker::new()?, writes: AtomicU64::new(0) })
    }

    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Loop side: about to block. The caller must check the queue afterwards
    /// and call [`woke_up`](Self::woke_up) instead of blocking if it is not
    /// empty.
    pub(crate) fn going_to_sleep(&self) {
        self.state.store(SLEEPING, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Loop side: back from `poll` (or not going there after all). A waker
    /// write that raced with this is harmless: the next poll returns at once
    /// and the loop drains the waker.
    pub(crate) fn woke_up(&self) {
        self.state.store(AWAKE, Ordering::Relaxed);
    }

    /// Sender side, after a successful push: writes the waker only if the loop
    /// may sleep and no other sender has woken it yet.
    ///
    /// # Errors
    ///
    /// The waker's `write(2)` error. The state then goes back to `SLEEPING`,
    /// so the next send tries again.
    #[inline]
    pub(crate) fn notify(&self) -> io::Result<()> {
        fence(Ordering::SeqCst);
        // The plain load first: while the loop is awake (the common case under
        // load) the line stays shared between senders and nobody writes it.
        if self.state.load(Ordering::Relaxed) != SLEEPING {
            return Ok(());
        }
        self.wake_sleeper()
    }

    #[cold]
    fn wake_sleeper(&self) -> io::Result<()> {
        if self.state.compare_exchange(SLEEPING, NOTIFIED, Ordering::AcqRel, Ordering::Relaxed).is_err() {
            return Ok(());
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.waker.wake().inspect_err(|_| {
            let _ = self.state.compare_exchange(NOTIFIED, SLEEPING, Ordering::AcqRel, Ordering::Relaxed);
        })
    }

    /// How many times a sender wrote the waker.
    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}
