//! `#[machine]`: generated token dispatch and checked state transitions for MIO.
