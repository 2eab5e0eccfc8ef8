//! A UDP echo server: every datagram goes back to its sender.
//!
//! ```text
//! cargo run --release --example udp_echo [ADDR]     # default 127.0.0.1:7002
//! nc -u 127.0.0.1 7002                              # each line comes back
//! ```
//!
//! One socket, one `EventLoop`, edge-triggered: on each readable event the
//! handler receives and answers datagrams until `WouldBlock`, with one
//! 64 KiB buffer for the whole server. UDP may drop datagrams, and so may
//! this server: a reply the socket cannot take right now (its send buffer is
//! full) is dropped and counted, never queued without bound. SIGINT or
//! SIGTERM stops the loop; the number of echoed and dropped datagrams is
//! printed on exit.

use std::io;
use std::net::SocketAddr;

use mio::udp::UdpSocket;
use mio::unix::Signals;
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};

const SOCKET: Token = Token(0);
const SIGNALS: Token = Token(1);

struct UdpEcho {
    socket: UdpSocket,
    signals: Signals,
    buf: Box<[u8]>,
    echoed: u64,
    dropped: u64,
}

impl UdpEcho {
    /// Answers datagrams until none is waiting.
    fn echo(&mut self) {
        loop {
            let (n, peer) = match self.socket.recv_from(&mut self.buf) {
                Ok(received) => received,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // E.g. ECONNREFUSED from an earlier reply's ICMP error:
                    // it concerns one peer, not the server.
                    eprintln!("recv_from: {e}");
                    continue;
                }
            };
            match self.socket.send_to(&self.buf[..n], peer) {
                Ok(_) => self.echoed += 1,
                Err(e) => {
                    if e.kind() != io::ErrorKind::WouldBlock {
                        eprintln!("send_to {peer}: {e}");
                    }
                    self.dropped += 1;
                }
            }
        }
    }
}

impl Handler for UdpEcho {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<UdpEcho>, token: Token, _events: EventSet) {
        match token {
            SOCKET => self.echo(),
            SIGNALS => {
                while let Ok(Some(signal)) = self.signals.receive() {
                    eprintln!("signal {signal}: shutting down");
                    event_loop.shutdown();
                }
            }
            _ => {}
        }
    }
}

fn main() -> io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{arg}: {e}")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 7002)),
    };
    let socket = UdpSocket::bind(addr)?;
    let signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;
    let mut event_loop = EventLoop::new()?;
    event_loop.register(&socket, SOCKET, EventSet::readable(), PollOpt::edge())?;
    event_loop.register(&signals, SIGNALS, EventSet::readable(), PollOpt::level())?;
    println!("listening on {}", socket.local_addr()?);
    let mut server = UdpEcho { socket, signals, buf: vec![0; 64 * 1024].into_boxed_slice(), echoed: 0, dropped: 0 };
    event_loop.run(&mut server)?;
    eprintln!("echoed {} datagrams, dropped {}", server.echoed, server.dropped);
    Ok(())
}
