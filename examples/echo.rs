//! A TCP echo server on the machine layer: an `Accept` machine spawns one
//! `Stream<Echo>` per connection; `Echo` (in `shared/tcp_echo.rs`) is a
//! four-callback protocol, and `#[machine]` composes the listener with a
//! signal watcher.
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

use mio::machine::{Accept, Loop, LoopConfig, SignalShutdown};
use mio::stream::Stream;
use mio::tcp::TcpListener;

#[path = "shared/tcp_echo.rs"]
mod tcp_echo;
use tcp_echo::Echo;

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
    let local = listener.local_addr()?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo)).map_err(std::io::Error::other)?;
    // Signals are caught before anyone can learn where we listen.
    lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope).map(Server::Shutdown))
        .map_err(std::io::Error::other)?;
    println!("listening on {local}");
    lp.run(())
}
