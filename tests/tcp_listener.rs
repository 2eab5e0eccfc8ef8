//! `TcpListener`: bind, accept, readiness, errors and conversions.

mod util;

use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};

use mio::tcp::{TcpListener, TcpStream};
use mio::{EventSet, Events, Poll, PollOpt, Token, TryAccept};
use util::{expect_event, expect_events, localhost, read_exact_polling};

const LISTENER: Token = Token(0);
const CLIENT: Token = Token(1);

#[test]
fn bind_to_port_zero_picks_a_port() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert!(format!("{listener:?}").contains("TcpListener"));
}

#[test]
fn bind_to_a_port_in_use_is_addr_in_use() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let err = TcpListener::bind(listener.local_addr().unwrap()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
}

#[test]
fn bind_to_a_foreign_address_is_addr_not_available() {
    let err = TcpListener::bind("198.51.100.254:0".parse().unwrap()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrNotAvailable);
}

#[test]
fn accept_without_a_connection_would_block() {
    let listener = TcpListener::bind(localhost()).unwrap();
    assert_eq!(listener.accept().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    assert!(listener.try_accept().unwrap().is_none());
}

#[test]
fn accepts_every_pending_connection_after_one_edge() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let listener = TcpListener::bind(localhost()).unwrap();
    poll.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let addr = listener.local_addr().unwrap();
    let clients: Vec<TcpStream> = (0..5).map(|_| TcpStream::connect(addr).unwrap()).collect();
    expect_event(&poll, &mut events, LISTENER, EventSet::readable());
    let mut accepted = Vec::new();
    // Connections complete asynchronously; keep accepting until all five.
    while accepted.len() < clients.len() {
        match listener.try_accept().unwrap() {
            Some((stream, peer)) => {
                assert!(peer.ip().is_loopback());
                let flags = util::fd_flags(stream.as_raw_fd());
                assert_eq!(flags & (util::O_NONBLOCK | util::O_CLOEXEC), util::O_NONBLOCK | util::O_CLOEXEC);
                accepted.push(stream);
            }
            None => drop(util::events_for(&poll, &mut events, LISTENER, util::TURN)),
        }
    }
    let mut locals: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    let mut peers: Vec<_> = accepted.iter().map(|s| s.peer_addr().unwrap()).collect();
    locals.sort();
    peers.sort();
    assert_eq!(locals, peers);
}

#[test]
fn level_triggered_listener_reports_until_accepted() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let listener = TcpListener::bind(localhost()).unwrap();
    poll.register(&listener, LISTENER, EventSet::readable(), PollOpt::level()).unwrap();
    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    for _ in 0..3 {
        expect_event(&poll, &mut events, LISTENER, EventSet::readable());
    }
    listener.accept().unwrap();
    assert!(util::events_for(&poll, &mut events, LISTENER, std::time::Duration::from_millis(50)).is_empty());
}

#[test]
fn accepted_stream_carries_data() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let listener = TcpListener::bind(localhost()).unwrap();
    poll.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poll.register(&client, CLIENT, EventSet::writable(), PollOpt::edge()).unwrap();
    expect_events(&poll, &mut events, &[(LISTENER, EventSet::readable()), (CLIENT, EventSet::writable())]);
    let (server, _) = listener.accept().unwrap();
    client.write_all(b"accepted").unwrap();
    poll.register(&server, Token(2), EventSet::readable(), PollOpt::edge()).unwrap();
    assert_eq!(read_exact_polling(&poll, &mut events, &server, 8), b"accepted");
}

#[test]
fn from_std_try_clone_options_and_owned_fd() {
    let std_listener = std::net::TcpListener::bind(localhost()).unwrap();
    let listener = TcpListener::from_std(std_listener).unwrap();
    assert_eq!(listener.accept().unwrap_err().kind(), io::ErrorKind::WouldBlock, "non-blocking");
    listener.set_ttl(42).unwrap();
    assert_eq!(listener.ttl().unwrap(), 42);
    assert!(listener.take_error().unwrap().is_none());

    let clone = listener.try_clone().unwrap();
    assert_eq!(clone.local_addr().unwrap(), listener.local_addr().unwrap());
    let fd = OwnedFd::from(clone);
    let clone = TcpListener::from(fd);

    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    poll.register(&clone, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    expect_event(&poll, &mut events, LISTENER, EventSet::readable());
    // Either handle accepts from the same queue.
    listener.accept().unwrap();
}

#[test]
fn machine_listener_accepts_streams() {
    use mio::machine::Listener;

    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let listener = TcpListener::bind(localhost()).unwrap();
    assert_eq!(listener.accept_stream().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    poll.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    expect_event(&poll, &mut events, LISTENER, EventSet::readable());
    let stream = listener.accept_stream().unwrap();
    assert_eq!(stream.peer_addr().unwrap(), client.local_addr().unwrap());
}
