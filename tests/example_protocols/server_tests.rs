//! A whole `http_hello` server (its listener composed with `#[machine]`,
//! as in `examples/http_hello.rs`, less the signal watcher) on the
//! harness: clients connect through a simulated listener, with their own
//! chunking, windows, delays and resets, in one loop.

use std::time::Duration;

use mio::machine::Accept;
use mio::stream::Stream;
use mio::testing::{Harness, ListenerId, SimListener, Status};

use crate::http_server::{Http, Server};
use crate::http_tests::{without_date, DEADLINE};
use crate::script;

/// `http_hello`'s listener machine, on a simulated listener.
#[mio::machine]
pub enum Listener {
    Http(Accept<SimListener, Stream<Http>>),
}

pub fn server() -> (Harness<Listener>, ListenerId) {
    let mut config = script::small_config(16 * 1024);
    config.machines(8).buffers(16 * 1024, 8);
    let mut h = Harness::with_config(&config, Server::new(DEADLINE)).unwrap();
    let (id, listener) = h.listener();
    h.add_machine_with(|scope| Accept::new(listener, scope).map(Listener::Http)).unwrap();
    (h, id)
}

const GET: &[u8] = b"GET / HTTP/1.1\r\n\r\n";

#[test]
fn clients_of_one_server_do_not_disturb_each_other() {
    let (mut h, listener) = server();
    let fast = h.connect_to(listener);
    let slow = h.connect_to(listener);
    let gone = h.connect_to(listener);
    h.set_window(gone, Some(0));
    h.send(gone, GET);
    h.send(slow, b"GET / HT");
    h.send(fast, &GET.repeat(3));
    h.reset(gone);
    assert_eq!(h.status(gone), Status::Closed { io_error: Some(std::io::ErrorKind::ConnectionReset) });
    let answers = without_date(&h.take_output(fast));
    assert_eq!(answers.windows(13).filter(|w| w == b"Hello, world!").count(), 3);
    // The slow client's half head meets its deadline; the fast one, which
    // was answered at the same instant, too.
    h.advance(DEADLINE - Duration::from_millis(1));
    assert!(h.is_open(slow) && h.is_open(fast));
    h.advance(Duration::from_millis(1));
    assert!(!h.is_open(slow) && !h.is_open(fast));
    assert_eq!(h.buffers_held(), 0);
    assert_eq!(h.loop_instance().machine_count(), 1, "the listener alone");
}

#[test]
fn a_drain_closes_the_listener_and_finishes_the_request_in_progress() {
    let (mut h, listener) = server();
    let idle = h.connect_to(listener);
    let busy = h.connect_to(listener);
    h.send(busy, b"GET / HTTP/1.1\r\n");
    let deadline = h.now() + Duration::from_secs(5);
    h.drain(deadline);
    assert_eq!(h.status(idle), Status::Closed { io_error: None });
    let late = h.connect_to(listener);
    assert_eq!(h.status(late), Status::Closed { io_error: Some(std::io::ErrorKind::ConnectionRefused) });
    h.send(busy, b"\r\n");
    let answer = String::from_utf8(h.take_output(busy)).unwrap();
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
    h.close(busy);
    assert!(!h.is_open(busy));
    assert!(h.loop_instance().is_shutdown(), "the drain is over when the last connection closed");
}
