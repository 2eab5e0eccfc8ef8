//! The sleep handshake between the loop and its senders.
//!
//! The loop must not block in its poll while a message waits for it, and a
//! sender should not write the loop's waker (a system call) unless the loop
//! may be blocked and no other sender has written it for this sleep. The
//! handshake is Dekker's: each side writes its own variable, then reads the
//! other side's, all four accesses `SeqCst`.
//!
//! * The loop, in its one call `Receiver::poll_or_sleep`: if a message is
//!   ready, it polls without blocking and tells nobody. Otherwise it stores
//!   `SLEEPING` ([`WakeState::going_to_sleep`]) and reads the ring's `tail`
//!   one last time (`Consumer::is_claimed`). If no sender has claimed a slot
//!   since its last pop, it blocks in the poll, then stores `AWAKE`
//!   ([`WakeState::woke_up`]). If one has, it stores `AWAKE` and does not
//!   block: it waits briefly for the message to be written, then polls
//!   without blocking if it is, or for at most `STALLED_SENDER_POLL` (1 ms)
//!   if not (the sender is stalled mid-write and may have seen the loop
//!   awake, so nobody would wake it), and decides again on its next turn.
//! * A sender, in `Sender::send`: claims a slot with the ring's `SeqCst` CAS
//!   of `tail`, writes its message, and reads the state
//!   ([`WakeState::notify`]). Only if it is `SLEEPING` does it try to move it
//!   to `NOTIFIED`, and only the sender whose swap succeeds writes the waker.
//! * The waker's event, when the poll reports it: the loop resets the waker
//!   (`Receiver::drain_waker`).
//!
//! # Invariants
//!
//! 1. No lost wake-up. The four accesses fall in one total order. If the
//!    loop's store of `SLEEPING` comes before a sender's CAS, the sender's
//!    read of the state comes after it and sees `SLEEPING` (the sender
//!    writes the waker) or `NOTIFIED` (another sender's write is on its
//!    way); the loop stores `AWAKE` only after its poll returned. If the CAS
//!    comes first, the loop's last read of `tail` sees the claimed slot, and
//!    the loop does not block.
//! 2. No sleep with a message ready. A message whose send finished before
//!    the loop's turn (happened before it) is seen ready, and the loop polls
//!    without blocking or announcing anything. A claimed slot whose message
//!    is not written yet keeps the loop from blocking for longer than 1 ms
//!    at a time until it is.
//! 3. At most one waker write per sleep: only the winner of the swap from
//!    `SLEEPING` writes, and the state is `SLEEPING` again only when the loop
//!    announces its next sleep (or the write failed, for a later send to
//!    retry).
//! 4. No fence and no system call on the send path while the loop is awake
//!    (the common case under load): a send costs the CAS, the message's
//!    write and one load, which stays a shared cache line between senders.
//!    The sender's `SeqCst` CAS is its half of the handshake, so nothing is
//!    needed after the write (on x86-64 the `lock cmpxchg` is the barrier).
//!
//! The loom models in `channel/tests/loom_handshake.rs` check 1 to 3 on the
//! real code, a stalled sender included. Loom models `SeqCst` accesses as
//! `AcqRel`, under which this Dekker pattern would fail; in models only,
//! `loom_seq_cst_fence` (nothing in other builds) after each side's write
//! restores the total order that the C++20 memory model gives the four
//! `SeqCst` accesses. Removing either fence makes the models fail, which
//! shows they exercise this order.

use std::io;

use crate::loom::sync::atomic::{loom_seq_cst_fence, AtomicU64, AtomicU8, Ordering};
use crate::loom::Waker;

/// The loop is running handlers (or polls without blocking): senders only push.
const AWAKE: u8 = 0;
/// The loop may be blocked in `poll`: the first sender to see this wakes it.
const SLEEPING: u8 = 1;
/// A sender has written (or is writing) the waker for this sleep.
const NOTIFIED: u8 = 2;

/// Whether the loop may be blocked in `poll`, and the waker to end that
/// (the module doc states the handshake).
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

    /// Loop side: about to block. The caller must read the ring's `tail`
    /// afterwards and call [`woke_up`](Self::woke_up) instead of blocking if
    /// a slot was claimed.
    pub(crate) fn going_to_sleep(&self) {
        // SeqCst, like the loop's read of the ring's tail after it: the
        // loop's half of the handshake (the module doc); no fence needed.
        self.state.store(SLEEPING, Ordering::SeqCst);
        loom_seq_cst_fence();
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
        // The sender's SeqCst claim of its slot (the ring's CAS) came before.
        loom_seq_cst_fence();
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
