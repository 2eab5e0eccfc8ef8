//! The synchronization primitives of the channel: std's, or loom's when
//! model-checking.
//!
//! The channel's ring and its sleep handshake take their atomics, cell,
//! `Arc`, wait policy and waker from here, never from `std` directly, so the
//! same code runs in the loom models. Under `--cfg loom` in the crate's unit
//! tests, these are loom's instrumented types, with which loom explores the
//! interleavings and memory orderings of a model (within its preemption
//! bound). In every other build, non-test builds with `--cfg loom` included
//! (loom is only a dev-dependency), they are std's and cost nothing. Shaped
//! after tokio's `src/loom/`.
//!
//! The two builds differ only where loom needs it:
//!
//! * `cell::UnsafeCell` has loom's closure-based access (`with_mut`); std's
//!   gets it through a zero-cost wrapper.
//! * `sync::atomic::loom_seq_cst_fence` is a `fence(SeqCst)` in models and
//!   nothing otherwise: loom treats `SeqCst` loads, stores and
//!   read-modify-writes as `AcqRel` (its documented limitation), so a
//!   handshake made only of `SeqCst` accesses, sound under the C++20 model
//!   that Rust uses, fails a model unless a fence restores their total order.
//!   Each side of the handshake calls it between its `SeqCst` write and its
//!   read of the other side's variable.
//! * `Backoff` waits one yield at a time in models, and gives up after two
//!   rounds, so that models stay small; its limits trade waiting against
//!   polling or cache traffic, never correctness.
//! * `Waker` is the OS waker normally; in models its readable state is loom
//!   data that a model's `poll` can block on, so a lost wake-up leaves the
//!   model deadlocked, which loom reports.

#[cfg(not(all(test, loom)))]
mod std;
#[cfg(not(all(test, loom)))]
pub(crate) use self::std::*;

#[cfg(all(test, loom))]
mod mocked;
#[cfg(all(test, loom))]
pub(crate) use self::mocked::*;
