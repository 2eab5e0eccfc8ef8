//! The chat protocol of `examples/chat.rs` (`examples/shared/chat_room.rs`)
//! through `mio::testing::Harness`: fuzzer-chosen lines, chunking,
//! windows, clock moves (the idle deadline included), wake-ups, FIN,
//! resets and read errors. Never panics, settles, never needs the
//! no-progress guard, holds at most its buffers.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

/// The socket the included protocol runs on.
type Socket = mio::testing::SimSocket;

#[allow(dead_code)]
#[path = "../../examples/shared/chat_room.rs"]
mod chat_room;

#[allow(dead_code)]
#[path = "../../tests/example_protocols/script.rs"]
mod script;

use chat_room::{Chat, Client};
use mio::machine::Broadcast;
use mio::stream::Stream;
use mio::testing::Harness;

fuzz_target!(|data: &[u8]| {
    let Some((&steps, rest)) = data.split_first() else { return };
    let (steps, payload) = rest.split_at((usize::from(steps) * 2).min(rest.len()));
    let ops = script::decode(steps, payload);
    let mut config = script::small_config(64 * 1024);
    config.machines(8).buffers(64 * 1024, 16);
    let lines = Broadcast::new(config.machine_capacity(), 256);
    let mut harness = Harness::<Stream<Client>>::with_config(&config, Chat::new(lines, Duration::from_secs(60))).unwrap();
    script::run(&mut harness, &ops);
});
