//! The sleep/wake handshake between the loop and its senders.

use std::io;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use crate::sys::Waker;

/// The loop is running handlers (or polls without blocking): senders only push.
const AWAKE: u8 = 0;
/// The loop may be blocked in `poll`: the first sender to see this wakes it.
const SLEEPING: u8 = 1;
/// A sender has written (or is writing) the waker for this sleep.
const NOTIFIED: u8 = 2;

/// Whether the loop may be blocked in `poll`, and the waker to end that.
///
/// The handshake is Dekker's: each side writes its own variable, then reads
/// the other side's, all four accesses `SeqCst`, so they fall in one total
/// order.
///
/// * The loop, before a poll that may block, stores `SLEEPING` and checks
///   the queue's `tail` one last time
///   ([`going_to_sleep`](Self::going_to_sleep) then `Receiver::has_claimed`);
///   it blocks only if no sender has claimed a slot since its last pop.
/// * A sender claims its slot with a `SeqCst` CAS of the queue's `tail`,
///   writes its message, and reads the state ([`notify`](Self::notify));
///   only if it is `SLEEPING` does it try to move it to `NOTIFIED`, and only
///   the sender whose swap succeeds writes the waker.
///
/// If the loop's store comes first in that order, the sender's read comes
/// after it and sees `SLEEPING` (or `NOTIFIED`, where another sender's write
/// is already on its way). If the sender's CAS comes first, the loop's last
/// check sees the claimed slot and does not block; if the message is not
/// written yet (the sender was descheduled mid-send) the loop waits for it
/// briefly, then polls IO at a short interval until it is. So a queued
/// message never waits for an unrelated wake-up, each sleep costs at most one
/// waker write, and while the loop is `AWAKE` a send costs the CAS, the
/// write and one load: no fence, no system call.
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
        // SeqCst, like the loop's read of the ring's tail after it: the
        // loop's half of the handshake (the type's doc); no fence needed.
        self.state.store(SLEEPING, Ordering::SeqCst);
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
        // A plain load first (SeqCst is a plain load on x86-64): while the
        // loop is awake (the common case under load) the line stays shared
        // between senders and nobody writes it.
        if self.state.load(Ordering::SeqCst) != SLEEPING {
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
