//! `chat`'s protocol on the harness: several clients of one room, their
//! lines through the loop's broadcast, nicks, the idle deadline, bounds.

use std::time::Duration;

use mio::machine::Broadcast;
use mio::stream::Stream;
use mio::testing::{Harness, Peer, Status};

use crate::chat_room::{Chat, Client};
use crate::script::small_config;

const IDLE: Duration = Duration::from_secs(300);

pub fn room() -> Harness<Stream<Client>> {
    let mut config = small_config(64 * 1024);
    config.machines(8).buffers(64 * 1024, 16);
    let lines = Broadcast::new(config.machine_capacity(), 256);
    Harness::with_config(&config, Chat::new(lines, IDLE)).unwrap()
}

fn read(h: &mut Harness<Stream<Client>>, peer: Peer) -> String {
    String::from_utf8(h.take_output(peer)).unwrap()
}

#[test]
fn a_line_goes_to_every_other_client() {
    let mut h = room();
    let a = h.connect().unwrap();
    assert_eq!(read(&mut h, a), "* welcome guest1, 0 others here; /nick NAME to rename, /quit to leave\n");
    let b = h.connect().unwrap();
    assert!(read(&mut h, b).starts_with("* welcome guest2, 1 others here"));
    assert_eq!(read(&mut h, a), "* guest2 joined\n");
    h.send(a, b"hel");
    h.send(a, b"lo\r\n");
    assert_eq!(read(&mut h, b), "<guest1> hello\n");
    assert_eq!(read(&mut h, a), "", "not to the sender");
    h.send(b, b"/nick bob\n");
    assert_eq!(read(&mut h, b), "* guest2 is now bob\n");
    assert_eq!(read(&mut h, a), "* guest2 is now bob\n");
    h.send(a, b"/nick bob\n");
    assert_eq!(read(&mut h, a), "* bob is taken\n");
    h.send(b, b"/quit\n");
    assert_eq!(read(&mut h, b), "* bye\n");
    assert_eq!(h.status(b), Status::Closed { io_error: None });
    assert_eq!(read(&mut h, a), "* bob left (quit)\n");
}

#[test]
fn an_idle_client_is_told_and_closed_exactly_at_its_idle_deadline() {
    let mut h = room();
    let a = h.connect().unwrap();
    read(&mut h, a);
    h.advance(Duration::from_secs(100));
    h.send(a, b"still here\n");
    assert_eq!(h.deadline(a), Some(h.start() + Duration::from_secs(100) + IDLE));
    assert!(crate::script::deadline_fires_exactly(&mut h, a));
    assert_eq!(read(&mut h, a), "* idle for 300s, bye\n");
    assert!(!h.is_open(a));
}

#[test]
fn a_line_longer_than_1_kib_disconnects_and_the_others_are_told() {
    let mut h = room();
    let a = h.connect().unwrap();
    read(&mut h, a);
    let b = h.connect().unwrap();
    h.send(b, &[b'x'; 2000]);
    assert!(!h.is_open(b));
    assert_eq!(read(&mut h, a), "* guest2 joined\n* guest2 left (line too long)\n");
}

#[test]
fn a_client_that_never_reads_falls_behind_and_is_dropped() {
    let mut h = room();
    let talker = h.connect().unwrap();
    let stalled = h.connect().unwrap();
    h.set_window(stalled, Some(0));
    for i in 0..2_000 {
        h.send(talker, format!("line {i} {}\n", "x".repeat(100)).as_bytes());
        if !h.is_open(stalled) {
            break;
        }
    }
    assert!(!h.is_open(stalled), "a slow reader is dropped, not buffered for");
    assert!(read(&mut h, talker).contains("left (too slow: output limit reached)"));
    assert!(h.buffers_held() <= 2, "{} buffers held", h.buffers_held());
}
