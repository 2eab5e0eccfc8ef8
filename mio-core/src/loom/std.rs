//! The primitives of a normal build: std's.

pub(crate) use crate::sys::Waker;

pub(crate) mod sync {
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};

        /// Nothing: the `SeqCst` accesses around it order themselves (see
        /// the shim's module doc).
        #[inline(always)]
        pub(crate) fn loom_seq_cst_fence() {}
    }
}

pub(crate) mod cell {
    /// `std::cell::UnsafeCell` with loom's closure-based access.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Calls `f` with a pointer to the content; the caller keeps the
        /// access exclusive.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// After the `n`th failed CAS in a row, spin `2^min(n, 4)` hints.
const SPIN_LIMIT_LOG2: u32 = 4;
/// Snoozes that spin (32 hints each) before the rest yield the CPU.
const SNOOZE_SPINS: u32 = 8;
/// Snoozes before [`Backoff::is_completed`]: 8 rounds of 32 spin hints, then
/// 8 yields, on the order of microseconds.
const SNOOZE_LIMIT: u32 = 16;

/// How a thread waits for another: spin-loop hints first, then yielding its
/// CPU, up to a limit.
#[derive(Debug)]
pub(crate) struct Backoff {
    step: u32,
}

impl Backoff {
    pub(crate) fn new() -> Backoff {
        Backoff { step: 0 }
    }

    /// After a lost race (a failed CAS): `2^min(n, 4)` spin-loop hints for
    /// the `n`th in a row, so that the winner gets on before we touch the
    /// line again.
    #[inline]
    pub(crate) fn spin(&mut self) {
        for _ in 0..1u32 << self.step.min(SPIN_LIMIT_LOG2) {
            std::hint::spin_loop();
        }
        self.step += 1;
    }

    /// Waiting for another thread to finish something: 32 spin-loop hints
    /// the first 8 times, then a yield of the CPU (to a preempted thread).
    pub(crate) fn snooze(&mut self) {
        if self.step < SNOOZE_SPINS {
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
        self.step += 1;
    }

    /// Whether [`snooze`](Self::snooze) ran its 16 rounds: time to stop
    /// waiting and fall back.
    pub(crate) fn is_completed(&self) -> bool {
        self.step >= SNOOZE_LIMIT
    }
}
