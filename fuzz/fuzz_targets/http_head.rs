//! The request-head parser of `examples/http_hello` on arbitrary heads:
//! never panics, and what it accepts is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../examples/shared/http_head.rs"]
mod http_head;

use http_head::{parse_head, Keep};

fuzz_target!(|data: &[u8]| {
    // The stream hands the parser a head ending in its blank line, as the
    // delimiter expectation finds it: the first `\r\n\r\n` and what precedes.
    let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else { return };
    let head = &data[..end + 4];
    match parse_head(head) {
        Ok(parsed) => {
            // Accepted heads name an HTTP/1.x version and a token method.
            let line = head.split(|&b| b == b'\n').find(|l| !l.iter().all(|&b| b == b'\r')).unwrap();
            assert!(line.windows(7).any(|w| w == b"HTTP/1."), "accepted without a version: {line:?}");
            if parsed.expect_continue {
                assert!(!line.ends_with(b"HTTP/1.0\r"), "100-continue on HTTP/1.0");
            }
            let _ = parsed.keep == Keep::Close;
        }
        Err(status) => assert!(status == "400 Bad Request" || status == "501 Not Implemented", "{status}"),
    }
});
