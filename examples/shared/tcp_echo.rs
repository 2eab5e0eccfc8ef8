//! The TCP echo protocol shared by `echo.rs` and `echo_hand.rs` (which
//! differ only in how the server's machines are composed). The socket is
//! the including file's `Socket` type: `TcpStream` in the examples,
//! `mio::testing::SimSocket` in tests.

use mio::machine::Scope;
use mio::stream::{Intent, Protocol, Transport};

use super::Socket;

/// The echo protocol: whatever arrives goes back.
pub struct Echo;

impl Protocol for Echo {
    type Context = ();
    type Socket = Socket;

    fn create(t: &mut Transport<'_, Socket>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        let _ = t.socket().set_nodelay(true);
        Intent::of(Echo).expect_bytes(1)
    }

    fn bytes_read(self, t: &mut Transport<'_, Socket>, _end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
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

    fn bytes_flushed(self, t: &mut Transport<'_, Socket>, s: &mut Scope<'_, ()>) -> Intent<Self> {
        self.bytes_read(t, 0, s)
    }

    fn timeout(self, _: &mut Transport<'_, Socket>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}
