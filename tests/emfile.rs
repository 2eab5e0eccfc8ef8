//! Out of file descriptors on accept: the handler gets `EMFILE`, the loop
//! keeps serving the connections it has, and the queued connection is
//! accepted once descriptors are free again (retried on a timer, since a
//! full backlog brings no new edge).
//!
//! Its own test binary: it lowers `RLIMIT_NOFILE` for the whole process.

mod util;

use std::fs::File;
use std::io::{self, Read, Write};
use std::time::Duration;

use mio::tcp::{TcpListener, TcpStream};
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};
use nix::sys::resource::{getrlimit, setrlimit, Resource};
use util::{localhost, run_until, Watchdog};

const LISTENER: Token = Token(0);
const CLIENT_A: Token = Token(1);
const CLIENT_B: Token = Token(2);
/// Accepted connections get tokens from here on.
const FIRST_CONN: usize = 10;

/// An echo server (listener + accepted connections) and two clients in one
/// loop. Accept errors are recorded and retried on a timer.
struct Server {
    listener: TcpListener,
    conns: Vec<TcpStream>,
    accept_errors: Vec<io::Error>,
    clients: [Option<TcpStream>; 2],
    echoed: [Vec<u8>; 2],
}

impl Server {
    fn accept_all(&mut self, event_loop: &mut EventLoop<Self>) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    let token = Token(FIRST_CONN + self.conns.len());
                    event_loop.register(&stream, token, EventSet::readable(), PollOpt::edge()).unwrap();
                    self.conns.push(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    // Out of fds: the connection stays queued. Back off and
                    // retry; the edge-triggered listener will not report it
                    // again by itself.
                    self.accept_errors.push(e);
                    event_loop.timeout((), Duration::from_millis(5)).unwrap();
                    return;
                }
            }
        }
    }

    fn echo(&mut self, i: usize) {
        let mut buf = [0; 256];
        loop {
            match self.conns[i].read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.conns[i].write_all(&buf[..n]).unwrap(),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => panic!("server read: {e}"),
            }
        }
    }
}

impl Handler for Server {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Self>, token: Token, _events: EventSet) {
        match token {
            LISTENER => self.accept_all(event_loop),
            CLIENT_A | CLIENT_B => {
                let i = token.0 - CLIENT_A.0;
                let client = self.clients[i].as_mut().unwrap();
                let mut buf = [0; 256];
                while let Ok(n) = client.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    self.echoed[i].extend_from_slice(&buf[..n]);
                }
            }
            Token(t) => self.echo(t - FIRST_CONN),
        }
    }

    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, _: ()) {
        self.accept_all(event_loop);
    }
}

/// The soft and hard `RLIMIT_NOFILE`.
fn nofile_limit() -> (u64, u64) {
    getrlimit(Resource::RLIMIT_NOFILE).unwrap()
}

/// Sets the soft and hard `RLIMIT_NOFILE`; lowering the soft limit is always allowed.
fn set_nofile_limit(soft: u64, hard: u64) {
    setrlimit(Resource::RLIMIT_NOFILE, soft, hard).unwrap();
}

/// The highest fd number open in this process.
fn highest_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap()
}

#[test]
fn emfile_on_accept_is_reported_and_the_loop_keeps_serving() {
    let _watchdog = Watchdog::new("emfile test", Duration::from_secs(60));
    let mut event_loop = EventLoop::new().unwrap();
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    event_loop.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client_a = TcpStream::connect(addr).unwrap();
    event_loop.register(&client_a, CLIENT_A, EventSet::readable(), PollOpt::edge()).unwrap();
    let mut server = Server {
        listener,
        conns: Vec::new(),
        accept_errors: Vec::new(),
        clients: [Some(client_a), None],
        echoed: [Vec::new(), Vec::new()],
    };
    run_until(&mut event_loop, &mut server, 1000, |s| s.conns.len() == 1);

    // Use up every fd but one, which client B takes.
    let (original_soft, original_hard) = nofile_limit();
    set_nofile_limit(highest_fd() + 16, original_hard);
    let mut fillers = Vec::new();
    let err = loop {
        match File::open("/dev/null") {
            Ok(f) => fillers.push(f),
            Err(e) => break e,
        }
    };
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
    fillers.pop();
    let client_b = TcpStream::connect(addr).unwrap();
    assert_eq!(File::open("/dev/null").unwrap_err().raw_os_error(), Some(libc::EMFILE));
    event_loop.register(&client_b, CLIENT_B, EventSet::readable(), PollOpt::edge()).unwrap();
    server.clients[1] = Some(client_b);

    // B is queued; accepting it fails with EMFILE, reported to the handler.
    run_until(&mut event_loop, &mut server, 1000, |s| !s.accept_errors.is_empty());
    let err = &server.accept_errors[0];
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
    assert_eq!(server.conns.len(), 1);

    // The loop keeps serving A.
    server.clients[0].as_ref().unwrap().write_all(b"still served").unwrap();
    run_until(&mut event_loop, &mut server, 1000, |s| s.echoed[0].len() == 12);
    assert_eq!(server.echoed[0], b"still served");
    assert_eq!(server.conns.len(), 1, "B is still queued");

    // Free the fds: the timer's retry accepts B, nothing was lost.
    drop(fillers);
    set_nofile_limit(original_soft, original_hard);
    run_until(&mut event_loop, &mut server, 1000, |s| s.conns.len() == 2);
    server.clients[1].as_ref().unwrap().write_all(b"B too").unwrap();
    run_until(&mut event_loop, &mut server, 1000, |s| s.echoed[1].len() == 5);
    assert_eq!(server.echoed[1], b"B too");
}
