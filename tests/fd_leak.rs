//! Dropping a loop and its sockets closes every fd they own.
//!
//! One test in its own binary, so no other test opens fds meanwhile.

mod util;

use std::io::Write;
use std::time::Duration;

use mio::tcp::{TcpListener, TcpStream};
use mio::udp::UdpSocket;
use mio::unix::pipe;
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};
use util::{localhost, open_fds, run_until, Watchdog};

/// Accepts and reads whatever arrives; counts events.
struct Sink {
    listener: TcpListener,
    accepted: Vec<TcpStream>,
    udp: UdpSocket,
    datagrams: usize,
}

impl Handler for Sink {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Self>, token: Token, _events: EventSet) {
        match token {
            Token(0) => {
                while let Ok((stream, _)) = self.listener.accept() {
                    event_loop.register(&stream, Token(10), EventSet::readable(), PollOpt::edge()).unwrap();
                    self.accepted.push(stream);
                }
            }
            Token(1) => {
                while self.udp.recv_from(&mut [0; 16]).is_ok() {
                    self.datagrams += 1;
                }
            }
            _ => {}
        }
    }
}

/// One life: a loop with a listener, an accepted connection (and a clone),
/// a UDP socket and a pipe, all registered, a message through each, then
/// everything dropped without deregistering.
fn one_cycle() {
    let mut event_loop = EventLoop::new().unwrap();
    let listener = TcpListener::bind(localhost()).unwrap();
    let udp = UdpSocket::bind(localhost()).unwrap();
    let (reader, mut writer) = pipe().unwrap();
    event_loop.register(&listener, Token(0), EventSet::readable(), PollOpt::edge()).unwrap();
    event_loop.register(&udp, Token(1), EventSet::readable(), PollOpt::level()).unwrap();
    event_loop.register(&reader, Token(2), EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let clone = client.try_clone().unwrap();
    event_loop.register(&client, Token(3), EventSet::writable(), PollOpt::edge()).unwrap();
    udp.send_to(b"d", udp.local_addr().unwrap()).unwrap();
    writer.write_all(b"p").unwrap();
    let mut sink = Sink { listener, accepted: Vec::new(), udp, datagrams: 0 };
    run_until(&mut event_loop, &mut sink, 1000, |s| !s.accepted.is_empty() && s.datagrams > 0);
    let _sender = event_loop.channel();
    event_loop.timeout((), Duration::from_secs(60)).unwrap();
    drop((event_loop, sink, client, clone, reader, writer));
}

#[test]
fn dropping_loops_and_sockets_closes_every_fd() {
    let _watchdog = Watchdog::new("fd leak test", Duration::from_secs(120));
    one_cycle(); // warm-up: anything std opens once and keeps
    let before = open_fds();
    for _ in 0..200 {
        one_cycle();
    }
    let after = open_fds();
    assert_eq!(before, after, "fds before {before}, after 200 cycles {after}");
}
