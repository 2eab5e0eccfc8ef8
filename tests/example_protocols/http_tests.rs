//! `http_hello`'s protocol on the harness: answers, pipelining, bodies,
//! errors, the lingering close, deadlines and drains, without a socket.

use std::time::Duration;

use mio::machine::LoopConfig;
use mio::stream::Stream;
use mio::testing::{Harness, Peer, Status};

use crate::http_server::{Http, Server};

/// The request deadline the tests give the server.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A harness with http_hello's buffers (16 KiB) and a 10 s deadline.
pub fn harness() -> Harness<Stream<Http>> {
    let mut config = LoopConfig::new();
    config.machines(16).buffers(16 * 1024, 8);
    Harness::with_config(&config, Server::new(DEADLINE)).unwrap()
}

/// The response with the `Date` value blanked (the server's wall clock).
pub fn without_date(response: &[u8]) -> Vec<u8> {
    let mut out = response.to_vec();
    let mut from = 0;
    while let Some(i) = out[from..].windows(6).position(|w| w == b"Date: ") {
        let start = from + i + 6;
        let end = (start + 29).min(out.len());
        out[start..end].fill(b'-');
        from = end;
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hello(connection: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nServer: mio\r\nDate: -----------------------------\r\nContent-Type: text/plain\r\n\
         {connection}Content-Length: 13\r\n\r\nHello, world!"
    )
}

fn get(h: &mut Harness<Stream<Http>>, peer: Peer, request: &[u8]) -> String {
    h.send(peer, request);
    text(&without_date(&h.take_output(peer)))
}

#[test]
fn a_get_is_answered_and_the_connection_kept() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    assert_eq!(h.state_name(peer), Some("Request"));
    assert_eq!(get(&mut h, peer, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), hello(""));
    assert_eq!(h.state_name(peer), Some("Request"));
    assert_eq!(h.context().responses, 1);
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_head_trickling_in_byte_by_byte_gets_the_same_answer() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    for &b in b"GET /x HTTP/1.1\r\nHost: x\r\n\r" {
        h.send(peer, &[b]);
        assert_eq!(h.output_len(peer), 0);
    }
    assert_eq!(get(&mut h, peer, b"\n"), hello(""));
}

#[test]
fn pipelined_requests_are_answered_in_order_in_one_write() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    let (_, writes) = h.socket_calls(peer);
    let answers = get(&mut h, peer, b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.0\r\n\r\n");
    assert_eq!(answers, hello("").repeat(2) + &hello("Connection: close\r\n"));
    assert_eq!(h.socket_calls(peer).1 - writes, 1, "three responses, one write");
    // HTTP/1.0 without keep-alive: the write side is shut, input drained.
    assert!(h.is_write_shut(peer));
    assert_eq!(h.state_name(peer), Some("Linger"));
    h.send(peer, b"ignored");
    assert_eq!(h.output_len(peer), 0);
    h.close(peer);
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
}

#[test]
fn an_http10_keep_alive_is_echoed_and_kept() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    let answer = get(&mut h, peer, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(answer, hello("Connection: keep-alive\r\n"));
    assert!(h.is_open(peer) && !h.is_write_shut(peer));
}

#[test]
fn a_body_is_read_and_dropped_piece_by_piece() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    h.send(peer, b"POST / HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    assert_eq!(h.take_output(peer), b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(h.state_name(peer), Some("Body"));
    h.send(peer, b"01234");
    assert_eq!(h.state_name(peer), Some("Body"));
    assert_eq!(get(&mut h, peer, b"56789"), hello(""));
    assert_eq!(h.state_name(peer), Some("Request"));
}

#[test]
fn a_malformed_head_gets_400_then_a_lingering_close() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    let answer = get(&mut h, peer, b"BAD\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
    assert!(answer.contains("Connection: close\r\n"));
    assert!(h.is_write_shut(peer));
    assert_eq!(h.state_name(peer), Some("Linger"));
    // The linger ends at the deadline if the client never closes.
    assert!(crate::script::deadline_fires_exactly(&mut h, peer));
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
}

#[test]
fn a_transfer_encoding_gets_501() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    let answer = get(&mut h, peer, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{answer}");
}

#[test]
fn a_head_longer_than_8_kib_gets_431() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    h.send(peer, b"GET / HTTP/1.1\r\nX: ");
    h.send(peer, &[b'a'; 8 * 1024]);
    let answer = text(&h.take_output(peer));
    assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{answer}");
}

#[test]
fn an_idle_connection_closes_exactly_at_its_request_deadline() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    h.advance(Duration::from_millis(2_500));
    get(&mut h, peer, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(h.deadline(peer), Some(h.start() + Duration::from_millis(2_500) + DEADLINE));
    assert!(crate::script::deadline_fires_exactly(&mut h, peer));
    assert_eq!(h.status(peer), Status::Closed { io_error: None });
    assert_eq!(h.buffers_held(), 0);
}

#[test]
fn a_half_sent_head_counts_against_the_same_deadline() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    h.send(peer, b"GET / HT");
    h.advance(DEADLINE - Duration::from_millis(1));
    h.send(peer, b"TP/1.1\r\n");
    assert_eq!(h.deadline(peer), Some(h.start() + DEADLINE), "input short of a head does not extend it");
    h.advance(Duration::from_millis(1));
    assert!(!h.is_open(peer));
}

#[test]
fn responses_go_out_through_a_one_byte_window() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(1));
    h.send(peer, b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    let mut out = Vec::new();
    while h.output_len(peer) > 0 {
        out.extend(h.take_output(peer));
    }
    assert_eq!(text(&without_date(&out)), hello("").repeat(2));
    assert!(h.is_open(peer));
}

#[test]
fn a_reset_mid_response_frees_everything() {
    let mut h = harness();
    let peer = h.connect().unwrap();
    h.set_window(peer, Some(0));
    h.send(peer, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(h.buffers_held(), 1);
    h.reset(peer);
    assert_eq!(h.status(peer), Status::Closed { io_error: Some(std::io::ErrorKind::ConnectionReset) });
    assert_eq!(h.buffers_held(), 0);
    assert_eq!(h.timeouts_pending(), 0);
}

#[test]
fn a_drain_closes_an_idle_connection_and_answers_a_started_one_with_close() {
    let mut h = harness();
    let idle = h.connect().unwrap();
    let busy = h.connect().unwrap();
    h.send(busy, b"GET / HTTP/1.1\r\n");
    let deadline = h.now() + Duration::from_secs(5);
    h.drain(deadline);
    assert_eq!(h.status(idle), Status::Closed { io_error: None });
    assert!(h.is_open(busy));
    assert_eq!(get(&mut h, busy, b"\r\n"), hello("Connection: close\r\n"));
    assert!(h.is_write_shut(busy));
}
