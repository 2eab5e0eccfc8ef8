//! `examples/resp_kv`'s protocol through `mio::testing::Harness`, with
//! 1 KiB buffers so large requests spill and large replies are queued:
//! fuzzer-chosen requests, chunking, windows, clock moves, wake-ups, FIN,
//! resets and read errors. Never panics, settles, never needs the
//! no-progress guard, holds at most its buffers and queued values, and a
//! deadline never fires late; with input, windows and wake-ups only, the
//! output is the one of the same input in one chunk.
#![no_main]
#![allow(dead_code)] // The example's modules have items only its server uses.

use libfuzzer_sys::fuzz_target;

/// The socket the included protocol runs on.
type Socket = mio::testing::SimSocket;
/// As `examples/resp_kv/main.rs` (INFO reports it).
const MAX_CLIENTS: usize = 10_000;

#[path = "../../examples/resp_kv/args.rs"]
mod args;
#[path = "../../examples/resp_kv/client.rs"]
mod client;
#[path = "../../examples/resp_kv/commands.rs"]
mod commands;
#[path = "../../examples/resp_kv/db.rs"]
mod db;
#[path = "../../examples/resp_kv/frame.rs"]
mod frame;
#[path = "../../examples/resp_kv/glob.rs"]
mod glob;
#[path = "../../examples/resp_kv/info.rs"]
mod info;
#[path = "../../examples/resp_kv/info_sections.rs"]
mod info_sections;
#[path = "../../examples/resp_kv/keyspace.rs"]
mod keyspace;
#[path = "../../examples/resp_kv/protocol.rs"]
mod protocol;
#[path = "../../examples/resp_kv/spill.rs"]
mod spill;
#[path = "../../examples/resp_kv/transaction.rs"]
mod transaction;

#[path = "../../tests/example_protocols/script.rs"]
mod script;

use mio::stream::Stream;
use mio::testing::Harness;
use protocol::{Kv, Resp};
use script::Op;

fn harness() -> Harness<Stream<Resp>> {
    let kv = |epoch| Kv::new(db::Db::with_expiry_timers(epoch, 64), 1 << 16);
    let mut h = Harness::with_config(&script::small_config(1024), kv(std::time::Instant::now())).unwrap();
    let start = h.start();
    *h.context_mut() = kv(start);
    h
}

/// Answers that depend on a hash map's order or on the process.
fn order_dependent(input: &[u8]) -> bool {
    let lower = input.to_ascii_lowercase();
    [&b"keys"[..], b"scan", b"info", b"client", b"hello"].iter().any(|w| lower.windows(w.len()).any(|x| x == *w))
}

fuzz_target!(|data: &[u8]| {
    let Some((&steps, rest)) = data.split_first() else { return };
    let (steps, payload) = rest.split_at((usize::from(steps) * 2).min(rest.len()));
    let ops = script::decode(steps, payload);
    let chunked = script::run(&mut harness(), &ops);
    let input: Vec<u8> = ops.iter().filter_map(|op| if let Op::Send(d) = op { Some(&d[..]) } else { None }).collect::<Vec<_>>().concat();
    let plain = ops.iter().all(|op| matches!(op, Op::Send(_) | Op::Window(_) | Op::Take(_) | Op::Wake));
    if plain && !order_dependent(&input) {
        let whole = script::run(&mut harness(), &[Op::Send(input)]);
        assert_eq!(chunked.output, whole.output);
        assert_eq!(chunked.status, whole.status);
    }
});
