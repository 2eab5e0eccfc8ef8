//! Tests of the channel, one concern per file: unit tests on real threads,
//! and loom models (`--cfg loom`; their names start with `loom_`, so that
//! the filter `channel::tests::loom_` runs them all).

#[cfg(not(loom))]
mod handshake;
#[cfg(loom)]
mod loom_handshake;
#[cfg(loom)]
mod loom_ring;
#[cfg(not(loom))]
mod ring;
