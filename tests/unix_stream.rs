//! Unix domain stream sockets: echo through an `EventLoop`, peer close,
//! addresses and bad paths.

mod util;

use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mio::unix::{UnixListener, UnixStream};
use mio::{EventLoop, EventSet, Events, Handler, Poll, PollOpt, Token};
use util::temp_dir::TempDir;
use util::wait_for;

const LISTENER: Token = Token(0);
const SERVER: Token = Token(1);
const CLIENT: Token = Token(2);

const TOTAL: usize = 256 * 1024;
const PIECE: usize = 4096;

/// Echo server and client in one handler, all edge-triggered: every handler
/// reads and writes until `WouldBlock`.
struct Echo {
    listener: UnixListener,
    server: Option<UnixStream>,
    client: UnixStream,
    /// Bytes the server has read and not yet written back.
    backlog: Vec<u8>,
    sent: usize,
    received: Vec<u8>,
    would_block_writes: usize,
}

fn payload(i: usize) -> u8 {
    (i % 251) as u8
}

impl Echo {
    fn accept(&mut self, event_loop: &mut EventLoop<Echo>) {
        loop {
            match self.listener.accept() {
                Ok((conn, addr)) => {
                    assert!(addr.is_unnamed(), "unbound client should be unnamed: {addr:?}");
                    event_loop
                        .register(&conn, SERVER, EventSet::readable() | EventSet::writable(), PollOpt::edge())
                        .unwrap();
                    self.server = Some(conn);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => panic!("accept: {e}"),
            }
        }
    }

    fn server_io(&mut self) {
        let Some(server) = &self.server else { return };
        let mut buf = [0; PIECE];
        loop {
            match (&*server).read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.backlog.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("server read: {e}"),
            }
        }
        while !self.backlog.is_empty() {
            match (&*server).write(&self.backlog) {
                Ok(n) => drop(self.backlog.drain(..n)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.would_block_writes += 1;
                    break;
                }
                Err(e) => panic!("server write: {e}"),
            }
        }
    }

    fn client_io(&mut self) {
        let mut buf = [0; PIECE];
        loop {
            match self.client.read(&mut buf) {
                Ok(0) => panic!("client saw end of stream early"),
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("client read: {e}"),
            }
        }
        while self.sent < TOTAL {
            let end = (self.sent + PIECE).min(TOTAL);
            let piece: Vec<u8> = (self.sent..end).map(payload).collect();
            match self.client.write(&piece) {
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.would_block_writes += 1;
                    break;
                }
                Err(e) => panic!("client write: {e}"),
            }
        }
    }
}

impl Handler for Echo {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Echo>, token: Token, events: EventSet) {
        assert!(!events.is_error(), "{token:?}: {events:?}");
        match token {
            LISTENER => self.accept(event_loop),
            SERVER => self.server_io(),
            CLIENT => self.client_io(),
            _ => unreachable!("{token:?}"),
        }
        if self.received.len() == TOTAL {
            event_loop.shutdown();
        }
    }
}

#[test]
fn echo_through_event_loop() {
    let dir = TempDir::new();
    let path = dir.path("echo.sock");
    let mut event_loop = EventLoop::new().unwrap();
    let listener = UnixListener::bind(&path).unwrap();
    event_loop.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client = UnixStream::connect(&path).unwrap();
    event_loop.register(&client, CLIENT, EventSet::readable() | EventSet::writable(), PollOpt::edge()).unwrap();

    let mut echo = Echo {
        listener,
        server: None,
        client,
        backlog: Vec::new(),
        sent: 0,
        received: Vec::new(),
        would_block_writes: 0,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    for _ in 0..100_000 {
        if echo.received.len() == TOTAL || Instant::now() > deadline {
            break;
        }
        event_loop.run_once(&mut echo, Some(Duration::from_millis(100))).unwrap();
    }
    assert_eq!(echo.received.len(), TOTAL, "echo did not finish in time");
    assert!(echo.received.iter().enumerate().all(|(i, &b)| b == payload(i)), "echoed bytes differ");
    // 256 KiB does not fit the socket buffers, so both sides hit WouldBlock.
    assert!(echo.would_block_writes > 0);
}

#[test]
fn peer_close_gives_readable_hup_and_eof() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (a, b) = UnixStream::pair().unwrap();
    poll.register(&a, Token(7), EventSet::readable(), PollOpt::edge()).unwrap();
    drop(b);
    let kind = wait_for(&poll, &mut events, Token(7));
    assert!(kind.is_readable() && kind.is_hup(), "{kind:?}");
    assert_eq!((&a).read(&mut [0; 16]).unwrap(), 0);
}

#[test]
fn half_close_reads_zero_but_can_still_write() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut a, mut b) = UnixStream::pair().unwrap();
    poll.register(&a, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
    b.shutdown(Shutdown::Write).unwrap();
    let kind = wait_for(&poll, &mut events, Token(1));
    assert!(kind.is_readable(), "{kind:?}");
    assert_eq!(a.read(&mut [0; 16]).unwrap(), 0);
    // The other direction still works.
    a.write_all(b"still here").unwrap();
    let mut buf = [0; 16];
    assert_eq!(b.read(&mut buf).unwrap(), 10);
    assert_eq!(&buf[..10], b"still here");
}

#[test]
fn read_on_empty_stream_would_block() {
    let (a, _b) = UnixStream::pair().unwrap();
    let err = (&a).read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
}

#[test]
fn addresses_of_bound_and_connected_sockets() {
    let dir = TempDir::new();
    let path = dir.path("addr.sock");
    let listener = UnixListener::bind(&path).unwrap();
    assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    let client = UnixStream::connect(&path).unwrap();
    assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    assert!(client.local_addr().unwrap().is_unnamed());
    let (conn, _) = listener.accept().unwrap();
    assert_eq!(conn.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    assert!(conn.take_error().unwrap().is_none());
    assert!(listener.take_error().unwrap().is_none());
}

#[test]
fn accept_without_pending_connection_would_block() {
    let dir = TempDir::new();
    let listener = UnixListener::bind(dir.path("empty.sock")).unwrap();
    assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_namespace_address() {
    use std::os::linux::net::SocketAddrExt;

    let name = format!("mio-test-abstract-{}", std::process::id());
    let path = format!("\0{name}");
    let listener = UnixListener::bind(&path).unwrap();
    assert_eq!(listener.local_addr().unwrap().as_abstract_name(), Some(name.as_bytes()));
    let client = UnixStream::connect(&path).unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    (&client).write_all(b"abc").unwrap();
    let mut buf = [0; 3];
    conn.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"abc");
}

fn long_path(dir: &Path) -> PathBuf {
    dir.join("x".repeat(200))
}

#[test]
fn path_too_long_is_invalid_input() {
    let dir = TempDir::new();
    let long = long_path(dir.dir());
    assert_eq!(UnixListener::bind(&long).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(UnixStream::connect(&long).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(UnixStream::connect("").unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(UnixListener::bind("bad\0path").unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn connect_errors_are_typed() {
    let dir = TempDir::new();
    let missing = UnixStream::connect(dir.path("missing.sock")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    let path = dir.path("taken.sock");
    let _listener = UnixListener::bind(&path).unwrap();
    assert_eq!(UnixListener::bind(&path).unwrap_err().kind(), ErrorKind::AddrInUse);
}

#[test]
fn from_std_and_try_clone() -> io::Result<()> {
    let (a, b) = std::os::unix::net::UnixStream::pair()?;
    let a = UnixStream::from_std(a)?;
    let b = UnixStream::from_std(b)?;
    // from_std made it non-blocking.
    assert_eq!((&a).read(&mut [0; 1]).unwrap_err().kind(), ErrorKind::WouldBlock);

    let a2 = a.try_clone()?;
    (&a2).write_all(b"via clone")?;
    let mut buf = [0; 9];
    (&b).read_exact(&mut buf)?;
    assert_eq!(&buf, b"via clone");
    assert!(format!("{b:?}").contains("UnixStream"));
    Ok(())
}

/// Echoes what it reads once, counting echoes in the loop context.
struct EchoConn(UnixStream);

impl mio::machine::Machine for EchoConn {
    type Context = usize;
    type Seed = UnixStream;

    fn create(stream: UnixStream, scope: &mut mio::machine::Scope<'_, usize>) -> mio::machine::Created<Self> {
        match scope.register(&stream, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => mio::machine::Created::ok(EchoConn(stream)),
            Err(e) => mio::machine::Created::error(e.into()),
        }
    }

    fn ready(
        self,
        _events: EventSet,
        scope: &mut mio::machine::Scope<'_, usize>,
    ) -> mio::machine::Response<Self, UnixStream> {
        let mut buf = [0; 16];
        match (&self.0).read(&mut buf) {
            Ok(0) => mio::machine::Response::done(),
            Ok(n) => {
                (&self.0).write_all(&buf[..n]).unwrap();
                **scope += 1;
                mio::machine::Response::ok(self)
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => mio::machine::Response::ok(self),
            Err(e) => mio::machine::Response::error(e.into()),
        }
    }

    fn timeout(self, _scope: &mut mio::machine::Scope<'_, usize>) -> mio::machine::Response<Self, UnixStream> {
        mio::machine::Response::ok(self)
    }
}

#[test]
fn accept_machine_serves_a_unix_listener() {
    use mio::machine::{Accept, Loop, LoopConfig};

    let dir = TempDir::new();
    let path = dir.path("machine.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let mut machines = Loop::<Accept<UnixListener, EchoConn>>::new(&LoopConfig::new()).unwrap();
    machines.add_machine_with(|scope| Accept::new(listener, scope)).unwrap();
    let mut machines = machines.instantiate(0usize);

    let clients: Vec<UnixStream> = (0..3).map(|_| UnixStream::connect(&path).unwrap()).collect();
    for mut client in &clients {
        client.write_all(b"hi").unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while *machines.context() < clients.len() {
        assert!(Instant::now() < deadline, "only {} of 3 echoed", machines.context());
        machines.run_once(Some(Duration::from_millis(100))).unwrap();
    }
    for mut client in &clients {
        let mut buf = [0; 2];
        client.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }
}

#[test]
fn registering_with_two_polls_is_an_error() {
    let first = Poll::new().unwrap();
    let second = Poll::new().unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    first.register(&a, Token(0), EventSet::readable(), PollOpt::edge()).unwrap();
    let err = second.register(&a, Token(0), EventSet::readable(), PollOpt::edge()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    first.deregister(&a).unwrap();
    second.register(&a, Token(0), EventSet::readable(), PollOpt::edge()).unwrap();
}
