//! The echo protocol of `examples/echo.rs` through `mio::testing::Harness`:
//! fuzzer-chosen input, chunking, windows, clock moves, wake-ups, FIN,
//! resets and read errors. Never panics, settles, never needs the
//! no-progress guard, holds at most its buffers; with input, windows and
//! wake-ups only, the output is the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The socket the included protocol runs on.
type Socket = mio::testing::SimSocket;

#[path = "../../examples/shared/tcp_echo.rs"]
mod tcp_echo;

#[allow(dead_code)]
#[path = "../../tests/example_protocols/script.rs"]
mod script;

use mio::stream::Stream;
use mio::testing::Harness;
use script::{Op, Outcome};

fuzz_target!(|data: &[u8]| {
    let Some((&steps, rest)) = data.split_first() else { return };
    let (steps, payload) = rest.split_at((usize::from(steps) * 2).min(rest.len()));
    let ops = script::decode(steps, payload);
    let harness = || Harness::<Stream<tcp_echo::Echo>>::with_config(&script::small_config(64), ()).unwrap();
    let Outcome { output, status } = script::run(&mut harness(), &ops);
    if ops.iter().all(|op| matches!(op, Op::Send(_) | Op::Window(_) | Op::Take(_) | Op::Wake)) {
        let input: Vec<u8> = ops.iter().filter_map(|op| if let Op::Send(d) = op { Some(&d[..]) } else { None }).collect::<Vec<_>>().concat();
        assert_eq!(output, input);
        assert_eq!(status, mio::testing::Status::Open);
    }
});
