//! A TCP echo server on layer 1 only: one `EventLoop`, one `Handler`, a slab
//! of connections. (`echo.rs` is the same server on the machine layer.)
//!
//! ```text
//! cargo run --release --example echo_handler [ADDR]     # default 127.0.0.1:7000
//! nc 127.0.0.1 7000
//! ```
//!
//! Edge-triggered: each readiness event is handled until `WouldBlock`.
//! Every connection has a 16 KiB buffer allocated when it is accepted; what
//! could not be written yet stays in it, and the connection asks for
//! writable events only while it has output pending (and stops reading
//! meanwhile, so a client that does not read cannot make it grow).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use mio::tcp::{TcpListener, TcpStream};
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};
use slab::Slab;

const LISTENER: Token = Token(usize::MAX - 1);
const BUF_SIZE: usize = 16 * 1024;
const MAX_CONNECTIONS: usize = 4096;

struct Connection {
    stream: TcpStream,
    buf: Box<[u8]>,
    /// `buf[start..end]` is read but not yet echoed.
    start: usize,
    end: usize,
}

impl Connection {
    /// Reads and echoes until `WouldBlock`. `Ok(false)` means the peer closed.
    fn drive(&mut self) -> io::Result<bool> {
        loop {
            while self.start < self.end {
                match self.stream.write(&self.buf[self.start..self.end]) {
                    Ok(n) => self.start += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                    Err(e) => return Err(e),
                }
            }
            self.start = 0;
            self.end = 0;
            match self.stream.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => self.end = n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(e) => return Err(e),
            }
        }
    }

    fn interest(&self) -> EventSet {
        if self.start < self.end {
            EventSet::writable()
        } else {
            EventSet::readable()
        }
    }
}

struct Echo {
    listener: TcpListener,
    conns: Slab<Connection>,
}

impl Echo {
    fn accept(&mut self, event_loop: &mut EventLoop<Echo>) {
        loop {
            let (stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    // E.g. out of fds: the connection stays queued; retry soon.
                    eprintln!("accept: {e}");
                    let _ = event_loop.timeout((), Duration::from_millis(100));
                    return;
                }
            };
            if self.conns.len() == MAX_CONNECTIONS {
                eprintln!("{peer}: too many connections, closing");
                continue;
            }
            let _ = stream.set_nodelay(true);
            let entry = self.conns.vacant_entry();
            let token = Token(entry.key());
            if let Err(e) = event_loop.register(&stream, token, EventSet::readable(), PollOpt::edge()) {
                eprintln!("{peer}: register: {e}");
                continue;
            }
            entry.insert(Connection { stream, buf: vec![0; BUF_SIZE].into_boxed_slice(), start: 0, end: 0 });
        }
    }

    fn connection_ready(&mut self, event_loop: &mut EventLoop<Echo>, token: Token) {
        let Some(conn) = self.conns.get_mut(token.0) else { return };
        let before = conn.interest();
        let open = match conn.drive() {
            Ok(open) => open,
            Err(e) => {
                eprintln!("{token:?}: {e}"); // e.g. the client reset the connection
                false
            }
        };
        if !open {
            // Dropping the stream closes it, which also removes it from epoll.
            self.conns.remove(token.0);
        } else if conn.interest() != before {
            let interest = conn.interest();
            if let Err(e) = event_loop.reregister(&conn.stream, token, interest, PollOpt::edge()) {
                eprintln!("{token:?}: reregister: {e}");
                self.conns.remove(token.0);
            }
        }
    }
}

impl Handler for Echo {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Echo>, token: Token, _events: EventSet) {
        if token == LISTENER {
            self.accept(event_loop);
        } else {
            self.connection_ready(event_loop, token);
        }
    }

    fn timeout(&mut self, event_loop: &mut EventLoop<Echo>, _: ()) {
        self.accept(event_loop);
    }
}

fn main() -> io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{arg}: {e}")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 7000)),
    };
    let listener = TcpListener::bind(addr)?;
    let mut event_loop = EventLoop::new()?;
    event_loop.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge())?;
    println!("listening on {}", listener.local_addr()?);
    let mut echo = Echo { listener, conns: Slab::with_capacity(MAX_CONNECTIONS) };
    event_loop.run(&mut echo)
}
