//! Registration rules: cycles, misuse errors with precise kinds, and sources
//! that belong to one `Poll` at a time.

mod util;

use std::io::{self, Read, Write};
use std::time::Duration;

use mio::tcp::{TcpListener, TcpStream};
use mio::udp::UdpSocket;
use mio::unix::pipe;
use mio::{EventLoop, EventSet, Events, Poll, PollOpt, Token};
use util::{events_for, expect_event, expect_events, localhost};

const SHORT: Duration = Duration::from_millis(20);

/// A connected client and accepted server stream, not registered.
fn tcp_pair() -> (TcpStream, TcpStream) {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let listener = TcpListener::bind(localhost()).unwrap();
    poll.register(&listener, Token(0), EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poll.register(&client, Token(1), EventSet::writable(), PollOpt::edge()).unwrap();
    expect_events(&poll, &mut events, &[(Token(0), EventSet::readable()), (Token(1), EventSet::writable())]);
    let (server, _) = listener.accept().unwrap();
    poll.deregister(&client).unwrap();
    (client, server)
}

#[test]
fn register_deregister_reregister_cycles() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = tcp_pair();
    let mut buf = [0; 8];
    for i in 0..20 {
        let token = Token(10 + i);
        poll.register(&server, token, EventSet::readable(), PollOpt::edge()).unwrap();
        client.write_all(b"a").unwrap();
        expect_event(&poll, &mut events, token, EventSet::readable());
        assert_eq!(server.read(&mut buf).unwrap(), 1);

        // A new token by reregister: events carry it.
        let moved = Token(1000 + i);
        poll.reregister(&server, moved, EventSet::readable(), PollOpt::level()).unwrap();
        client.write_all(b"b").unwrap();
        expect_event(&poll, &mut events, moved, EventSet::readable());
        assert_eq!(server.read(&mut buf).unwrap(), 1);

        // Deregistered: data arrives but no event is reported.
        poll.deregister(&server).unwrap();
        client.write_all(b"c").unwrap();
        assert!(events_for(&poll, &mut events, moved, SHORT).is_empty());
        assert!(events_for(&poll, &mut events, token, SHORT).is_empty());
        assert_eq!(util::retry(&poll, &mut events, || server.read(&mut buf)).unwrap(), 1);
    }
}

#[test]
fn reregister_can_change_interest() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (_client, server) = tcp_pair();
    poll.register(&server, Token(1), EventSet::readable(), PollOpt::level()).unwrap();
    assert!(events_for(&poll, &mut events, Token(1), SHORT).is_empty(), "nothing to read yet");
    poll.reregister(&server, Token(1), EventSet::writable(), PollOpt::level()).unwrap();
    expect_event(&poll, &mut events, Token(1), EventSet::writable());
}

#[test]
fn reregister_or_deregister_of_an_unregistered_source_is_not_found() {
    let poll = Poll::new().unwrap();
    let (_client, server) = tcp_pair();
    let udp = UdpSocket::bind(localhost()).unwrap();
    let listener = TcpListener::bind(localhost()).unwrap();
    let (reader, _writer) = pipe().unwrap();
    let sources: [&dyn mio::Evented; 4] = [&server, &udp, &listener, &reader];
    for source in sources {
        let err = poll.reregister(source, Token(1), EventSet::readable(), PollOpt::edge()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(poll.deregister(source).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
    // Still not found after a register/deregister cycle.
    poll.register(&udp, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    poll.deregister(&udp).unwrap();
    let err = poll.reregister(&udp, Token(1), EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
}

#[test]
fn reserved_token_is_invalid_input() {
    let poll = Poll::new().unwrap();
    let udp = UdpSocket::bind(localhost()).unwrap();
    let reserved = Token(usize::MAX);
    let err = poll.register(&udp, reserved, EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    // The failed register left nothing behind.
    poll.register(&udp, Token(3), EventSet::readable(), PollOpt::edge()).unwrap();
    let err = poll.reregister(&udp, reserved, EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

    let mut event_loop: EventLoop<()> = EventLoop::new().unwrap();
    let other = UdpSocket::bind(localhost()).unwrap();
    let err = event_loop.register(&other, reserved, EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn registering_twice_is_already_exists() {
    let poll = Poll::new().unwrap();
    let udp = UdpSocket::bind(localhost()).unwrap();
    poll.register(&udp, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    let err = poll.register(&udp, Token(2), EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
}

#[test]
fn a_source_cannot_be_registered_with_two_loops() {
    let mut first: EventLoop<()> = EventLoop::new().unwrap();
    let mut second: EventLoop<()> = EventLoop::new().unwrap();
    let (_client, server) = tcp_pair();
    first.register(&server, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();

    let err = second.register(&server, Token(1), EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    let err = second.reregister(&server, Token(1), EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    let err = second.deregister(&server).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

    // Once deregistered from the first, the second may take it.
    first.deregister(&server).unwrap();
    second.register(&server, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    let err = first.register(&server, Token(1), EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
}
