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

use mio::machine::{Accept, Loop, LoopConfig, Scope, SignalShutdown};
use mio::stream::{Intent, Protocol, Stream, Transport};
use mio::unix::{UnixListener, UnixStream};

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

/// The server: the listener with its connections, and the signal watcher.
#[mio::machine]
enum Server {
    Echo(Accept<UnixListener, Stream<Echo>>),
    Shutdown(SignalShutdown<()>),
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
    let listener = bind(&path)?;
    let _remove = RemoveOnDrop(path.clone());
    let mut config = LoopConfig::new();
    config.machines(4096).buffers(16 * 1024, 1024);
    let mut lp = Loop::<Server>::new(&config)?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo)).map_err(io::Error::other)?;
    lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope).map(Server::Shutdown))
        .map_err(io::Error::other)?;
    println!("listening on {}", path.display());
    lp.run(())
}
