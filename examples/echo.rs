//! A TCP echo server on the machine layer: an `Accept` machine spawns one
//! `Stream<Echo>` per connection; `Echo` is a four-callback protocol, and
//! `#[machine]` composes the listener with a signal watcher.
//!
//! ```text
//! cargo run --release --example echo [ADDR]     # default 127.0.0.1:7000
//! nc 127.0.0.1 7000
//! ```
//!
//! Each readable event costs one `read` and one `write` (a short read means
//! the socket is drained). Buffers come from the loop's pool and are held
//! only while a connection has bytes in flight, so idle connections cost a
//! slab slot. SIGINT/SIGTERM stop the loop; everything is closed on exit.

use std::net::SocketAddr;

use mio::machine::{Accept, Loop, LoopConfig, Scope, SignalShutdown};
use mio::stream::{Intent, Protocol, Stream, Transport};
use mio::tcp::{TcpListener, TcpStream};

/// The echo protocol: whatever arrives goes back.
struct Echo;

impl Protocol for Echo {
    type Context = ();
    type Socket = TcpStream;

    fn create(t: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let _ = t.socket().set_nodelay(true);
        Intent::of(Echo).expect_bytes(1)
    }

    fn bytes_read(self, t: &mut Transport<'_, TcpStream>, _end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let (input, output) = t.buffers();
        let n = output.push(input.data());
        input.consume(n);
        if input.is_empty() {
            Intent::of(Echo).expect_bytes(1)
        } else {
            // The peer does not read: wait until our output drains.
            Intent::of(Echo).expect_flush()
        }
    }

    fn bytes_flushed(self, t: &mut Transport<'_, TcpStream>, s: &mut Scope<'_, ()>) -> Intent<Self> {
        self.bytes_read(t, 0, s)
    }

    fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}

/// Stops the loop on SIGINT or SIGTERM.
#[mio::machine]
enum Server {
    Echo(Accept<TcpListener, Stream<Echo>>),
    Shutdown(SignalShutdown<()>),
}

fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a.parse().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        None => "127.0.0.1:7000".parse().unwrap(),
    };
    let mut config = LoopConfig::new();
    config.machines(20_000).buffers(16 * 1024, 1024);
    let mut lp = Loop::<Server>::new(&config)?;
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo)).map_err(std::io::Error::other)?;
    lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope).map(Server::Shutdown))
        .map_err(std::io::Error::other)?;
    lp.run(())
}
