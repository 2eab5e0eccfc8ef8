//! Unix domain datagram sockets: bound pairs, socketpairs, connected sockets,
//! readiness through `Poll`, and bad paths.

mod util;

use std::io::ErrorKind;
use std::time::Duration;

use mio::unix::UnixDatagram;
use mio::{EventSet, Events, Poll, PollOpt, Token};
use util::temp_dir::TempDir;
use util::wait_for;

#[test]
fn bound_pair_send_to_recv_from() {
    let dir = TempDir::new();
    let (path_a, path_b) = (dir.path("a.sock"), dir.path("b.sock"));
    let a = UnixDatagram::bind(&path_a).unwrap();
    let b = UnixDatagram::bind(&path_b).unwrap();
    assert_eq!(b.local_addr().unwrap().as_pathname(), Some(path_b.as_path()));

    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    poll.register(&b, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    let mut buf = [0; 64];
    assert_eq!(b.recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

    assert_eq!(a.send_to(b"hello", &path_b).unwrap(), 5);
    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(from.as_pathname(), Some(path_a.as_path()));

    // Reply to the sender's address.
    b.send_to(b"world", from.as_pathname().unwrap()).unwrap();
    let (n, from) = a.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"world");
    assert_eq!(from.as_pathname(), Some(path_b.as_path()));
    assert_eq!(a.recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn datagrams_keep_their_boundaries() {
    let (a, b) = UnixDatagram::pair().unwrap();
    a.send(b"one").unwrap();
    a.send(b"three").unwrap();
    a.send(b"").unwrap();
    let mut buf = [0; 64];
    assert_eq!(b.recv(&mut buf).unwrap(), 3);
    assert_eq!(b.recv(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"three");
    assert_eq!(b.recv(&mut buf).unwrap(), 0);
    assert_eq!(b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn socketpair_readiness_through_poll() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (a, b) = UnixDatagram::pair().unwrap();
    poll.register(&a, Token(0), EventSet::writable(), PollOpt::edge()).unwrap();
    poll.register(&b, Token(1), EventSet::readable(), PollOpt::level()).unwrap();
    assert!(wait_for(&poll, &mut events, Token(0)).is_writable());

    a.send(b"ping").unwrap();
    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    // Level-triggered: reported again while the datagram is queued.
    assert!(wait_for(&poll, &mut events, Token(1)).is_readable());
    let mut buf = [0; 8];
    assert_eq!(b.recv(&mut buf).unwrap(), 4);
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert!(events.iter().all(|ev| ev.token() != Token(1)), "still readable after draining");
}

#[test]
fn unbound_socket_sends_to_bound_one() {
    let dir = TempDir::new();
    let path = dir.path("server.sock");
    let server = UnixDatagram::bind(&path).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    assert!(client.local_addr().unwrap().is_unnamed());
    client.send_to(b"anonymous", &path).unwrap();
    let mut buf = [0; 16];
    let (n, from) = server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"anonymous");
    assert!(from.is_unnamed());
}

#[test]
fn connected_send_recv() {
    let dir = TempDir::new();
    let (path_a, path_b) = (dir.path("a.sock"), dir.path("b.sock"));
    let a = UnixDatagram::bind(&path_a).unwrap();
    let b = UnixDatagram::bind(&path_b).unwrap();

    assert_eq!(a.send(b"x").unwrap_err().kind(), ErrorKind::NotConnected);
    assert_eq!(a.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
    a.connect(&path_b).unwrap();
    assert_eq!(a.peer_addr().unwrap().as_pathname(), Some(path_b.as_path()));
    assert_eq!(a.send(b"connected").unwrap(), 9);
    let mut buf = [0; 16];
    let n = b.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"connected");
    assert!(a.take_error().unwrap().is_none());
}

#[test]
fn try_clone_and_from_std() {
    let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    let a = UnixDatagram::from_std(a).unwrap();
    let b = UnixDatagram::from_std(b).unwrap();
    let mut buf = [0; 8];
    assert_eq!(b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    a.try_clone().unwrap().send(b"dup").unwrap();
    assert_eq!(b.recv(&mut buf).unwrap(), 3);
    assert!(format!("{a:?}").contains("UnixDatagram"));
}

#[test]
fn bad_paths_are_invalid_input() {
    let dir = TempDir::new();
    let long = dir.path(&"y".repeat(200));
    assert_eq!(UnixDatagram::bind(&long).unwrap_err().kind(), ErrorKind::InvalidInput);
    let sock = UnixDatagram::unbound().unwrap();
    assert_eq!(sock.send_to(b"x", &long).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(sock.connect(&long).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(sock.send_to(b"x", "").unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(sock.send_to(b"x", dir.path("nobody.sock")).unwrap_err().kind(), ErrorKind::NotFound);
}
