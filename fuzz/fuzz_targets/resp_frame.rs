//! The RESP request parser of `examples/resp_kv` on arbitrary bytes: never
//! panics, and what it returns is consistent with its input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../examples/resp_kv/frame.rs"]
mod frame;

use frame::{parse, Frame};

fuzz_target!(|input: &[u8]| {
    // The first two bytes pick the bound on a bulk's length, so small bounds
    // (where the limit is hit) and large ones are both explored.
    let (max_bulk, data) = match input {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => return,
    };
    if data.is_empty() {
        return;
    }
    let mut args = Vec::new();
    match parse(data, &mut args, max_bulk) {
        Frame::Command(len) => {
            assert!(len > 0 && len <= data.len(), "a command of {len} bytes in {}", data.len());
            assert!(!args.is_empty());
            for &(start, end) in &args {
                assert!(start <= end && end <= len, "argument {start}..{end} outside the request's {len} bytes");
                if data[0] == b'*' {
                    assert!(end - start <= max_bulk, "a bulk longer than the bound was accepted");
                }
            }
            // The same request alone parses the same.
            let mut again = Vec::new();
            assert_eq!(parse(&data[..len], &mut again, max_bulk), Frame::Command(len));
            assert_eq!(again, args);
        }
        Frame::Empty(len) => assert!(len > 0 && len <= data.len()),
        Frame::Partial(needed) => assert!(needed > data.len(), "partial with {needed} of {} bytes", data.len()),
        Frame::Invalid(_) => {}
    }
});
