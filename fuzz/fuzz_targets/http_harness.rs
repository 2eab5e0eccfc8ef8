//! `examples/http_hello`'s protocol through `mio::testing::Harness`:
//! fuzzer-chosen requests, chunking, windows, clock moves, wake-ups, FIN,
//! resets and read errors. Never panics, settles, never needs the
//! no-progress guard, holds at most its buffers, and a deadline never
//! fires late; with input, windows and wake-ups only, the output (its
//! `Date` values blanked) is the one of the same input in one chunk.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

/// The socket the included protocol runs on.
type Socket = mio::testing::SimSocket;

#[allow(dead_code)]
#[path = "../../examples/shared/http_server.rs"]
mod http_server;

#[allow(dead_code)]
#[path = "../../tests/example_protocols/script.rs"]
mod script;

use http_server::{Http, Server};
use mio::stream::Stream;
use mio::testing::Harness;
use script::Op;

fn harness() -> Harness<Stream<Http>> {
    let mut config = script::small_config(16 * 1024);
    config.buffers(16 * 1024, 4);
    Harness::with_config(&config, Server::new(Duration::from_secs(10))).unwrap()
}

/// `Date: ` values blanked (the server's wall clock; `/stats`, whose body
/// is the loop's counters, is left out of the comparison).
fn normalize(out: &[u8]) -> Vec<u8> {
    let mut out = out.to_vec();
    let mut from = 0;
    while let Some(i) = out[from..].windows(6).position(|w| w == b"Date: ") {
        let start = from + i + 6;
        let end = (start + 29).min(out.len());
        out[start..end].fill(b'-');
        from = end;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&steps, rest)) = data.split_first() else { return };
    let (steps, payload) = rest.split_at((usize::from(steps) * 2).min(rest.len()));
    let ops = script::decode(steps, payload);
    let chunked = script::run(&mut harness(), &ops);
    let input: Vec<u8> = ops.iter().filter_map(|op| if let Op::Send(d) = op { Some(&d[..]) } else { None }).collect::<Vec<_>>().concat();
    let plain = ops.iter().all(|op| matches!(op, Op::Send(_) | Op::Window(_) | Op::Take(_) | Op::Wake));
    if plain && !input.windows(6).any(|w| w == b"/stats") {
        let whole = script::run(&mut harness(), &[Op::Send(input)]);
        assert_eq!(normalize(&chunked.output), normalize(&whole.output));
        assert_eq!(chunked.status, whole.status);
    }
});
