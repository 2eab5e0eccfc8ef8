//! `resp_kv`'s protocol on the harness: requests in any pieces, pipelining,
//! values larger than a buffer both ways, errors and the lingering close,
//! TTLs on the manual clock.

use std::time::Duration;

use mio::stream::Stream;
use mio::testing::{Harness, Peer, Status};

use crate::db::Db;
use crate::protocol::{Kv, Resp};
use crate::script::small_config;

/// A harness with `buffer_size`-byte buffers and the default bulk bound.
pub fn harness(buffer_size: usize) -> Harness<Stream<Resp>> {
    let kv = |epoch| Kv::new(Db::with_expiry_timers(epoch, 64), 1 << 20);
    let mut h = Harness::with_config(&small_config(buffer_size), kv(std::time::Instant::now())).unwrap();
    // The database's epoch is the harness's clock.
    let start = h.start();
    *h.context_mut() = kv(start);
    h
}

/// A multibulk request of `args`.
pub fn command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend(b"\r\n");
    }
    out
}

fn ask(h: &mut Harness<Stream<Resp>>, peer: Peer, request: &[u8]) -> Vec<u8> {
    h.send(peer, request);
    h.take_output(peer)
}

#[test]
fn ping_set_get_and_an_inline_command() {
    let mut h = harness(4096);
    let peer = h.connect().unwrap();
    assert_eq!(ask(&mut h, peer, &command(&[b"PING"])), b"+PONG\r\n");
    assert_eq!(ask(&mut h, peer, &command(&[b"SET", b"k", b"v"])), b"+OK\r\n");
    assert_eq!(ask(&mut h, peer, b"GET k\r\n"), b"$1\r\nv\r\n");
    assert_eq!(h.context().answered, 3);
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_pipeline_split_anywhere_is_answered_in_order() {
    let mut pipeline = Vec::new();
    for i in 0..20 {
        pipeline.extend(command(&[b"INCR", b"n"]));
        if i % 7 == 0 {
            pipeline.extend(command(&[b"ECHO", b"x"]));
        }
    }
    let mut expected = Vec::new();
    for i in 0..20 {
        expected.extend(format!(":{}\r\n", i + 1).as_bytes());
        if i % 7 == 0 {
            expected.extend(b"$1\r\nx\r\n");
        }
    }
    for split in [1, 2, 3, 5, 13, 64, pipeline.len()] {
        let mut h = harness(4096);
        let peer = h.connect().unwrap();
        let mut out = Vec::new();
        for piece in pipeline.chunks(split) {
            h.send(peer, piece);
            out.extend(h.take_output(peer));
        }
        assert_eq!(out, expected, "pieces of {split}");
    }
}

#[test]
fn a_value_larger_than_the_buffer_goes_in_and_out_through_a_small_window() {
    let mut h = harness(1024);
    let peer = h.connect().unwrap();
    let value: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let set = command(&[b"SET", b"big", &value]);
    for piece in set.chunks(700) {
        h.send(peer, piece);
    }
    assert_eq!(h.take_output(peer), b"+OK\r\n");
    h.set_window(peer, Some(333));
    h.send(peer, &command(&[b"GET", b"big"]));
    assert!(h.queued_values_held() <= 1, "the stored value is queued, not copied");
    let mut out = Vec::new();
    while h.output_len(peer) > 0 {
        out.extend(h.take_output(peer));
    }
    let mut expected = b"$10000\r\n".to_vec();
    expected.extend(&value);
    expected.extend(b"\r\n");
    assert_eq!(out, expected);
    assert_eq!(h.queued_values_held(), 0);
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_protocol_error_is_answered_then_the_connection_lingers_exactly_two_seconds() {
    let mut h = harness(4096);
    let peer = h.connect().unwrap();
    h.advance(Duration::from_millis(700));
    let answer = ask(&mut h, peer, b"*1\r\n$x\r\n");
    assert!(answer.starts_with(b"-ERR Protocol error"), "{}", String::from_utf8_lossy(&answer));
    assert!(h.is_write_shut(peer));
    assert!(matches!(h.protocol(peer), Some(Resp::Draining)));
    assert_eq!(h.deadline(peer), Some(h.start() + Duration::from_millis(2_700)));
    h.send(peer, b"more input is dropped");
    assert_eq!(h.output_len(peer), 0);
    assert!(crate::script::deadline_fires_exactly(&mut h, peer));
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
}

#[test]
fn quit_flushes_its_ok_and_closes_when_the_client_does() {
    let mut h = harness(4096);
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(0));
    h.send(peer, &[command(&[b"ECHO", b"bye"]), command(&[b"QUIT"])].concat());
    assert!(matches!(h.protocol(peer), Some(Resp::Closing)), "waits for the flush");
    h.set_window(peer, None);
    assert_eq!(h.take_output(peer), b"$3\r\nbye\r\n+OK\r\n");
    assert!(matches!(h.protocol(peer), Some(Resp::Draining)));
    h.close(peer);
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
}

#[test]
fn a_ttl_expires_on_the_manual_clock() {
    let mut h = harness(4096);
    let peer = h.connect().unwrap();
    assert_eq!(ask(&mut h, peer, &command(&[b"SET", b"k", b"v", b"PX", b"1500"])), b"+OK\r\n");
    h.advance(Duration::from_millis(1_499));
    assert_eq!(ask(&mut h, peer, &command(&[b"PTTL", b"k"])), b":1\r\n");
    h.advance(Duration::from_millis(1));
    assert_eq!(ask(&mut h, peer, &command(&[b"GET", b"k"])), b"$-1\r\n");
}

#[test]
fn a_line_longer_than_the_buffer_is_refused() {
    let mut h = harness(1024);
    let peer = h.connect().unwrap();
    let answer = ask(&mut h, peer, &[b'x'; 2048]);
    assert!(answer.starts_with(b"-ERR Protocol error: request larger than the 1024-byte buffer"));
    assert!(matches!(h.protocol(peer), Some(Resp::Draining)));
}

#[test]
fn a_drain_answers_the_buffered_pipeline_then_closes() {
    let mut h = harness(4096);
    let idle = h.connect().unwrap();
    let busy = h.connect().unwrap();
    h.set_window(busy, Some(0));
    h.send(busy, &[command(&[b"PING"]), command(&[b"ECHO", b"x"])].concat());
    let deadline = h.now() + Duration::from_secs(5);
    h.drain(deadline);
    assert_eq!(h.status(idle), Status::Closed { io_error: None });
    h.set_window(busy, None);
    assert_eq!(h.take_output(busy), b"+PONG\r\n$1\r\nx\r\n");
    assert!(h.is_write_shut(busy));
}
