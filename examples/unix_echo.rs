//! An echo server on a Unix stream socket, on the machine and stream layers:
//! `Accept<UnixListener, Stream<Echo>>` spawns one `Stream<Echo>` per
//! connection.
//!
//! ```text
//! cargo run --release --example unix_echo [PATH]    # default /tmp/mio-unix-echo.sock
//! nc -U /tmp/mio-unix-echo.sock                     # each line comes back
//! ```
//!
//! A socket file left by a server that died is replaced (only if nothing
//! answers on it); the file is removed when the server stops on SIGINT or
//! SIGTERM. Buffers come from the loop's pool and are held only while a
//! connection has bytes in flight; a client that does not read makes its
//! connection stop reading too (`expect_flush`), so nothing grows.

use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use mio::machine::{Accept, Created, Loop, LoopConfig, Machine, MachineError, Response, Scope, SpawnError};
use mio::stream::{Intent, Protocol, Stream, Transport};
use mio::unix::{Signals, UnixListener, UnixStream};
use mio::{EventSet, PollOpt};

/// The echo protocol: whatever arrives goes back.
struct Echo;

impl Protocol for Echo {
    type Context = ();
    type Socket = UnixStream;

    fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Echo).expect_bytes(1)
    }

    fn bytes_read(self, t: &mut Transport<'_, UnixStream>, _end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        if input.is_empty() {
            Intent::of(Echo).expect_bytes(1)
        } else {
            // Our output is full: the peer does not read. Wait for it.
            Intent::of(Echo).expect_flush()
        }
    }

    fn bytes_flushed(self, t: &mut Transport<'_, UnixStream>, s: &mut Scope<'_, ()>) -> Intent<Self> {
        self.bytes_read(t, 0, s)
    }

    fn end_of_stream(self, t: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        // The peer is done sending: finish echoing what came, then close.
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        if output.is_empty() {
            Intent::done()
        } else {
            Intent::of(Echo).expect_flush()
        }
    }

    fn timeout(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}

/// Stops the loop on SIGINT or SIGTERM.
struct Shutdown(Signals);

impl Machine for Shutdown {
    type Context = ();
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::error(MachineError::new(io::ErrorKind::Unsupported, "not spawned"))
    }

    fn ready(self, _: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, ()> {
        while let Ok(Some(signal)) = self.0.receive() {
            eprintln!("signal {signal}: shutting down");
            scope.shutdown_loop();
        }
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

/// The server: the listener with its connections, and the signal watcher.
enum Server {
    Echo(Accept<UnixListener, Stream<Echo>>),
    Shutdown(Shutdown),
}

/// What `#[machine]` generates; written by hand until the derive lands.
impl Machine for Server {
    type Context = ();
    type Seed = UnixStream;

    fn create(seed: UnixStream, scope: &mut Scope<'_, ()>) -> Created<Self> {
        Accept::create(seed, scope).map(Server::Echo)
    }
    fn ready(self, events: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, UnixStream> {
        match self {
            Server::Echo(m) => m.ready(events, scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => m.ready(events, scope).map(Server::Shutdown, |()| unreachable!()),
        }
    }
    fn spawned(self, scope: &mut Scope<'_, ()>) -> Response<Self, UnixStream> {
        match self {
            Server::Echo(m) => m.spawned(scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
    fn spawn_error(self, scope: &mut Scope<'_, ()>, e: SpawnError<UnixStream>) -> Response<Self, UnixStream> {
        match self {
            Server::Echo(m) => m.spawn_error(scope, e).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
    fn timeout(self, scope: &mut Scope<'_, ()>) -> Response<Self, UnixStream> {
        match self {
            Server::Echo(m) => m.timeout(scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
    fn wakeup(self, scope: &mut Scope<'_, ()>) -> Response<Self, UnixStream> {
        match self {
            Server::Echo(m) => m.wakeup(scope).map(Server::Echo, |s| s),
            Server::Shutdown(m) => Response::ok(Server::Shutdown(m)),
        }
    }
}

/// Binds `path`, replacing a socket file that nobody listens on any more.
fn bind(path: &Path) -> io::Result<UnixListener> {
    match UnixListener::bind(path) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            let is_socket = std::fs::symlink_metadata(path)?.file_type().is_socket();
            if !is_socket || std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(e); // not ours to remove, or a live server
            }
            std::fs::remove_file(path)?;
            UnixListener::bind(path)
        }
        bound => bound,
    }
}

/// Removes the socket file when the server ends, however `main` returns.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn main() -> io::Result<()> {
    let path = PathBuf::from(std::env::args_os().nth(1).unwrap_or_else(|| "/tmp/mio-unix-echo.sock".into()));
    let signals = Signals::new(&[libc::SIGINT, libc::SIGTERM])?;
    let listener = bind(&path)?;
    let _remove = RemoveOnDrop(path.clone());
    let mut config = LoopConfig::new();
    config.machines(4096).buffers(16 * 1024, 1024);
    let mut lp = Loop::<Server>::new(&config)?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo)).map_err(io::Error::other)?;
    lp.add_machine_with(|scope| match scope.register(&signals, EventSet::readable(), PollOpt::edge()) {
        Ok(()) => Created::ok(Server::Shutdown(Shutdown(signals))),
        Err(e) => Created::error(e.into()),
    })
    .map_err(io::Error::other)?;
    println!("listening on {}", path.display());
    lp.run(())
}
