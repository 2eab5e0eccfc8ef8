//! A TCP echo server on the machine layer: an `Accept` machine spawns one
//! `Stream<Echo>` per connection; `Echo` (in `shared/tcp_echo.rs`) is a
//! four-callback protocol, and `#[machine]` composes the listener with a
//! signal watcher.
//!
//! ```text
//! cargo run --release --example echo [ADDR] [--threads N] [--pin]   # default 127.0.0.1:7000, 1 thread
//! nc 127.0.0.1 7000
//! ```
//!
//! Each readable event costs one `read` and one `write` (a short read means
//! the socket is drained). Buffers come from the loop's pool and are held
//! only while a connection has bytes in flight, so idle connections cost a
//! slab slot. SIGINT/SIGTERM stop the loop; everything is closed on exit.
//!
//! `--threads N` runs N loops on N threads (`mio::serve::LoopGroup`), each
//! accepting from its own `SO_REUSEPORT` listener on ADDR, so the kernel
//! spreads connections over them; one SIGINT/SIGTERM stops them all.
//! `--pin` pins loop i to the i-th CPU the process may use.

use std::io;
use std::net::SocketAddr;

use mio::machine::{Accept, Loop, LoopConfig, SignalShutdown};
use mio::serve::{LoopGroup, Pinning};
use mio::stream::Stream;
use mio::tcp::TcpListener;

#[path = "shared/args.rs"]
mod args;
/// The socket the protocol in `shared/tcp_echo.rs` runs on.
type Socket = mio::tcp::TcpStream;

#[path = "shared/tcp_echo.rs"]
mod tcp_echo;
use args::Args;
use tcp_echo::Echo;

#[mio::machine]
enum Server {
    Echo(Accept<TcpListener, Stream<Echo>>),
    Shutdown(SignalShutdown<()>),
}

fn main() -> io::Result<()> {
    let args = Args::parse()?;
    let addr: SocketAddr =
        args.positional_or(0, "127.0.0.1:7000").parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut config = LoopConfig::new();
    config.machines(20_000).buffers(16 * 1024, 1024);
    if args.threads == 1 && !args.pin {
        return run_one_loop(addr, &config);
    }
    // One loop per thread, each accepting from its own listener; the main
    // thread catches the signals for all of them.
    let loops = LoopGroup::new(addr)
        .threads(args.threads)
        .pinning(if args.pin { Pinning::Spread } else { Pinning::None })
        .config(config)
        .shutdown_signals(&[libc::SIGINT, libc::SIGTERM])
        .spawn(
            |_index| (),
            |lp: &mut Loop<Server>, listener, _index| {
                lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo))?;
                Ok(())
            },
        )?;
    println!("listening on {}", loops.local_addr());
    Ok(loops.wait()?)
}

/// One loop on the main thread, its signal watcher one of its machines.
fn run_one_loop(addr: SocketAddr, config: &LoopConfig) -> io::Result<()> {
    let mut lp = Loop::<Server>::new(config)?;
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    lp.add_machine_with(|scope| Accept::new(listener, scope).map(Server::Echo))?;
    // Signals are caught before anyone can learn where we listen.
    lp.add_machine_with(|scope| SignalShutdown::new(&[libc::SIGINT, libc::SIGTERM], scope).map(Server::Shutdown))?;
    println!("listening on {local}");
    lp.run(())
}
