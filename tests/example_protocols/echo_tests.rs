//! The echo protocol of `echo.rs` and `echo_hand.rs` on the harness.

use mio::stream::Stream;
use mio::testing::{Harness, Status};

use crate::script::small_config;
use crate::tcp_echo::Echo;

#[test]
fn what_arrives_goes_back_through_any_window() {
    let mut h = Harness::<Stream<Echo>>::with_config(&small_config(64), ()).unwrap();
    let peer = h.connect().unwrap();
    let input: Vec<u8> = (0..200u8).collect();
    h.set_window(peer, Some(7));
    h.send(peer, &input);
    let mut out = Vec::new();
    for _ in 0..100 {
        out.extend(h.take_output(peer));
        if out.len() == input.len() {
            break;
        }
    }
    assert_eq!(out, input, "200 bytes through 64-byte buffers and a 7-byte window");
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_peer_that_never_reads_stops_the_reading_too() {
    let mut h = Harness::<Stream<Echo>>::with_config(&small_config(64), ()).unwrap();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(0));
    h.send(peer, &[b'x'; 1000]);
    assert_eq!(h.buffers_held(), 2, "both buffers full: backpressure, not growth");
    let (reads, _) = h.socket_calls(peer);
    h.send(peer, b"more");
    assert_eq!(h.socket_calls(peer).0, reads, "no read while the output is full");
    h.close(peer);
    assert!(h.is_open(peer), "the FIN waits behind the unread input");
    h.reset(peer);
    assert_eq!(h.status(peer), Status::Closed { io_error: Some(std::io::ErrorKind::ConnectionReset) });
    assert_eq!(h.buffers_held(), 0);
}
