//! `TcpStream`: echo through a handler, readiness modes, close, reset,
//! half-close, connect errors and socket options.

mod util;

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use mio::tcp::{TcpListener, TcpStream};
use mio::{EventLoop, EventSet, Events, Handler, Poll, PollOpt, Token, TryAccept, TryRead, TryWrite};
use util::{events_for, expect_event, expect_events, localhost, read_exact_polling, run_until, write_all_polling};

const LISTENER: Token = Token(0);
const CLIENT: Token = Token(1);
const SERVER: Token = Token(2);

/// A connected pair: (client, accepted server side), both registered with
/// `poll` for readable and writable, edge-triggered.
fn connected_pair(poll: &Poll, events: &mut Events) -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind(localhost()).unwrap();
    poll.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poll.register(&client, CLIENT, EventSet::readable() | EventSet::writable(), PollOpt::edge()).unwrap();
    expect_events(poll, events, &[(LISTENER, EventSet::readable()), (CLIENT, EventSet::writable())]);
    let (server, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    poll.register(&server, SERVER, EventSet::readable() | EventSet::writable(), PollOpt::edge()).unwrap();
    expect_event(poll, events, SERVER, EventSet::writable());
    assert!(client.take_error().unwrap().is_none());
    (client, server)
}

/// Echo server and client in one loop: the client sends 64 KiB in odd-sized
/// pieces, the server echoes what it reads, both handle `WouldBlock`.
struct Echo {
    listener: TcpListener,
    client: TcpStream,
    server: Option<TcpStream>,
    pending: Vec<u8>,
    payload: Vec<u8>,
    sent: usize,
    received: Vec<u8>,
    would_blocks: usize,
}

const PAYLOAD: usize = 64 * 1024;
const PIECE: usize = 1000;

impl Echo {
    fn server_io(&mut self) {
        let server = self.server.as_mut().unwrap();
        let mut buf = [0u8; 4096];
        loop {
            match server.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("server read: {e}"),
            }
        }
        while !self.pending.is_empty() {
            match server.write(&self.pending) {
                Ok(n) => drop(self.pending.drain(..n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.would_blocks += 1;
                    break;
                }
                Err(e) => panic!("server write: {e}"),
            }
        }
    }

    fn client_io(&mut self) {
        while self.sent < self.payload.len() {
            let end = (self.sent + PIECE).min(self.payload.len());
            match self.client.write(&self.payload[self.sent..end]) {
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.would_blocks += 1;
                    break;
                }
                Err(e) => panic!("client write: {e}"),
            }
        }
        let mut buf = [0u8; 1500];
        loop {
            match self.client.read(&mut buf) {
                Ok(0) => panic!("server closed early"),
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("client read: {e}"),
            }
        }
    }
}

impl Handler for Echo {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Echo>, token: Token, _events: EventSet) {
        match token {
            LISTENER => {
                while let Some((stream, _)) = self.listener.try_accept().unwrap() {
                    let interest = EventSet::readable() | EventSet::writable();
                    event_loop.register(&stream, SERVER, interest, PollOpt::edge()).unwrap();
                    assert!(self.server.replace(stream).is_none(), "one connection expected");
                }
            }
            SERVER => self.server_io(),
            CLIENT => self.client_io(),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn echo_64k_through_a_handler() {
    let mut event_loop = EventLoop::new().unwrap();
    let listener = TcpListener::bind(localhost()).unwrap();
    event_loop.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    event_loop.register(&client, CLIENT, EventSet::readable() | EventSet::writable(), PollOpt::edge()).unwrap();
    let payload: Vec<u8> = (0..PAYLOAD).map(|i| (i * 7 % 251) as u8).collect();
    let mut echo = Echo {
        listener,
        client,
        server: None,
        pending: Vec::new(),
        payload,
        sent: 0,
        received: Vec::new(),
        would_blocks: 0,
    };
    run_until(&mut event_loop, &mut echo, 10_000, |e| e.received.len() >= PAYLOAD);
    assert_eq!(echo.received.len(), PAYLOAD);
    assert!(echo.received == echo.payload, "echoed bytes differ");
}

#[test]
fn peer_close_reports_readable_and_hup_then_eof() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, server) = connected_pair(&poll, &mut events);
    drop(server);
    let kind = expect_event(&poll, &mut events, CLIENT, EventSet::readable());
    assert!(kind.is_hup(), "expected hup with readable, got {kind:?}");
    assert_eq!(client.read(&mut [0; 16]).unwrap(), 0);
}

#[test]
fn half_close_reads_eof_and_the_other_half_still_works() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, mut server) = connected_pair(&poll, &mut events);
    client.shutdown(Shutdown::Write).unwrap();
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
    assert_eq!(server.read(&mut [0; 16]).unwrap(), 0);
    server.write_all(b"bye").unwrap();
    assert_eq!(read_exact_polling(&poll, &mut events, &client, 3), b"bye");
    assert_eq!(client.read(&mut [0; 4]).unwrap_err().kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn level_triggered_reports_on_every_poll() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, server) = connected_pair(&poll, &mut events);
    poll.reregister(&server, SERVER, EventSet::readable(), PollOpt::level()).unwrap();
    client.write_all(b"x").unwrap();
    for _ in 0..3 {
        expect_event(&poll, &mut events, SERVER, EventSet::readable());
    }
}

#[test]
fn edge_triggered_reports_once() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, server) = connected_pair(&poll, &mut events);
    poll.reregister(&server, SERVER, EventSet::readable(), PollOpt::edge()).unwrap();
    client.write_all(b"x").unwrap();
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
    // Not read: edge-triggered, it is not reported again.
    assert!(events_for(&poll, &mut events, SERVER, Duration::from_millis(50)).is_empty());
    // New data is a new edge. epoll sees it even with data left unread; the
    // poll(2) backend's edge emulation needs the reader to hit WouldBlock first.
    if Poll::backend() == "poll" {
        let mut buf = [0; 8];
        assert_eq!((&server).read(&mut buf).unwrap(), 1);
        assert_eq!((&server).read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    }
    client.write_all(b"y").unwrap();
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
}

#[test]
fn oneshot_needs_reregister() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, server) = connected_pair(&poll, &mut events);
    poll.reregister(&server, SERVER, EventSet::readable(), PollOpt::level() | PollOpt::oneshot()).unwrap();
    client.write_all(b"x").unwrap();
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
    assert!(events_for(&poll, &mut events, SERVER, Duration::from_millis(50)).is_empty());
    client.write_all(b"y").unwrap();
    assert!(events_for(&poll, &mut events, SERVER, Duration::from_millis(50)).is_empty());
    poll.reregister(&server, SERVER, EventSet::readable(), PollOpt::level() | PollOpt::oneshot()).unwrap();
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
}

#[test]
fn reset_peer_is_an_error_not_a_panic() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, server) = connected_pair(&poll, &mut events);
    server.set_linger(Some(Duration::ZERO)).unwrap();
    assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
    drop(server);
    let kind = expect_event(&poll, &mut events, CLIENT, EventSet::hup());
    assert!(kind.is_error() || kind.is_readable(), "{kind:?}");
    let err = client.read(&mut [0; 16]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    let err = client.write(b"late").unwrap_err();
    assert!(matches!(err.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset), "{err:?}");
}

#[test]
fn refused_connect_is_reported_by_take_error() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let addr = {
        let listener = TcpListener::bind(localhost()).unwrap();
        listener.local_addr().unwrap()
    };
    let client = TcpStream::connect(addr).unwrap();
    poll.register(&client, CLIENT, EventSet::writable(), PollOpt::edge()).unwrap();
    let kind = expect_event(&poll, &mut events, CLIENT, EventSet::none());
    assert!(kind.is_writable() || kind.is_error() || kind.is_hup(), "{kind:?}");
    let err = client.take_error().unwrap().expect("connect should fail");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert!(client.take_error().unwrap().is_none(), "take_error clears the error");
}

#[test]
fn connect_and_echo_over_ipv6() {
    let Ok(listener) = TcpListener::bind(util::localhost_v6()) else {
        println!("skipped: no IPv6 loopback (::1) in this environment");
        return;
    };
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    poll.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poll.register(&client, CLIENT, EventSet::readable() | EventSet::writable(), PollOpt::edge()).unwrap();
    expect_events(&poll, &mut events, &[(LISTENER, EventSet::readable()), (CLIENT, EventSet::writable())]);
    let (server, peer) = listener.accept().unwrap();
    assert!(peer.is_ipv6());
    assert_eq!(client.peer_addr().unwrap(), listener.local_addr().unwrap());
    poll.register(&server, SERVER, EventSet::readable(), PollOpt::edge()).unwrap();
    write_all_polling(&poll, &mut events, &client, b"six");
    assert_eq!(read_exact_polling(&poll, &mut events, &server, 3), b"six");
}

#[test]
fn options_round_trip() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (client, server) = connected_pair(&poll, &mut events);

    client.set_nodelay(true).unwrap();
    assert!(client.nodelay().unwrap());
    client.set_nodelay(false).unwrap();
    assert!(!client.nodelay().unwrap());

    assert_eq!(client.keepalive().unwrap(), None);
    client.set_keepalive(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(client.keepalive().unwrap(), Some(Duration::from_secs(30)));
    client.set_keepalive(Some(Duration::from_millis(1500))).unwrap();
    assert_eq!(client.keepalive().unwrap(), Some(Duration::from_secs(2)), "rounded up");
    client.set_keepalive(None).unwrap();
    assert_eq!(client.keepalive().unwrap(), None);
    let err = client.set_keepalive(Some(Duration::from_secs(40_000))).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "over Linux's 32,767 s: {err:?}");
    assert_eq!(client.keepalive().unwrap(), None, "a rejected idle time leaves keepalive off");

    assert_eq!(client.linger().unwrap(), None);
    client.set_ttl(77).unwrap();
    assert_eq!(client.ttl().unwrap(), 77);
    assert_eq!(client.set_ttl(1000).unwrap_err().kind(), io::ErrorKind::InvalidInput);

    assert_eq!(client.local_addr().unwrap(), server.peer_addr().unwrap());
    assert_eq!(client.peer_addr().unwrap(), server.local_addr().unwrap());
    assert!(format!("{client:?}").contains("TcpStream"));
}

#[test]
fn peek_leaves_data_queued() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, server) = connected_pair(&poll, &mut events);
    let mut buf = [0; 8];
    assert_eq!(server.peek(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    client.write_all(b"peek").unwrap();
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
    assert_eq!(server.peek(&mut buf).unwrap(), 4);
    assert_eq!(read_exact_polling(&poll, &mut events, &server, 4), b"peek");
}

#[test]
fn try_read_and_try_write_map_would_block_to_none() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut client, mut server) = connected_pair(&poll, &mut events);
    assert_eq!(server.try_read(&mut [0; 8]).unwrap(), None);
    let chunk = vec![1u8; 64 * 1024];
    let mut total = 0;
    while let Some(n) = client.try_write(&chunk).unwrap() {
        total += n;
        assert!(total < 1 << 30, "the send buffer never filled");
    }
    assert!(total > 0);
    expect_event(&poll, &mut events, SERVER, EventSet::readable());
    assert!(server.try_read(&mut [0; 8]).unwrap().unwrap() > 0);
}

#[test]
fn sockets_are_nonblocking_and_cloexec() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (client, server) = connected_pair(&poll, &mut events);
    for fd in [client.as_raw_fd(), server.as_raw_fd()] {
        let flags = util::fd_flags(fd);
        assert_eq!(flags & util::O_NONBLOCK, util::O_NONBLOCK, "fd {fd} flags {flags:o}");
        assert_eq!(flags & util::O_CLOEXEC, util::O_CLOEXEC, "fd {fd} flags {flags:o}");
    }
}

#[test]
fn from_std_try_clone_and_owned_fd_round_trip() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let listener = std::net::TcpListener::bind(localhost()).unwrap();
    let std_client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut std_server, _) = listener.accept().unwrap();

    let client = TcpStream::from_std(std_client).unwrap();
    assert_eq!((&client).read(&mut [0; 4]).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    let clone = client.try_clone().unwrap();
    assert_ne!(clone.as_raw_fd(), client.as_raw_fd());

    let fd = OwnedFd::from(client);
    let client = TcpStream::from(fd);
    poll.register(&clone, CLIENT, EventSet::readable(), PollOpt::edge()).unwrap();
    std_server.write_all(b"hey").unwrap();
    expect_event(&poll, &mut events, CLIENT, EventSet::readable());
    assert_eq!(read_exact_polling(&poll, &mut events, &client, 3), b"hey");
}
