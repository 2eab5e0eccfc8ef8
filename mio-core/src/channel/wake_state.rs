//! The sleep/wake handshake between the loop and its senders.

use std::io;
use std::sync::atomic::{fence, AtomicU64, AtomicU8, Ordering};

use crate::sys::Waker;

const AWAKE: u8 = 0;
const SLEEPING: u8 = 1;
const NOTIFIED: u8 = 2;

/// Whether the loop may be blocked in `poll`, and the waker to end that.
///
/// The loop stores `SLEEPING` (then a `SeqCst` fence) before it checks the
/// queue one last time and blocks; a sender pushes, fences, and only if it
/// sees `SLEEPING` moves it to `NOTIFIED` and writes the waker. One of the two
/// always sees the other's write, so no message is left waiting for the next
/// unrelated wake-up, and at most one waker write happens per sleep.
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

    /// Loop side: about to block. The caller checks the queue afterwards.
    pub(crate) fn going_to_sleep(&self) {
        self.state.store(SLEEPING, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Loop side: back from `poll`.
    pub(crate) fn woke_up(&self) {
        self.state.store(AWAKE, Ordering::Release);
    }

    /// Sender side: after a push. Writes the waker only if the loop sleeps and
    /// nobody woke it yet.
    pub(crate) fn notify(&self) -> io::Result<()> {
        fence(Ordering::SeqCst);
        if self.state.load(Ordering::SeqCst) == SLEEPING
            && self.state.compare_exchange(SLEEPING, NOTIFIED, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        {
            self.writes.fetch_add(1, Ordering::Relaxed);
            return self.waker.wake();
        }
        Ok(())
    }

    /// How many times a sender wrote the waker.
    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}
