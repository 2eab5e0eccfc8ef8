//! Generated items are documented and `Debug` when the enum derives it:
//! code under `#![deny(missing_docs, missing_debug_implementations)]`
//! compiles.
#![deny(missing_docs, missing_debug_implementations)]

use mio::machine::{Created, Machine, Response, Scope};
use mio::stream::{Event, Next, Transport};
use mio::unix::UnixStream;
use mio::EventSet;

/// A machine.
#[derive(Debug)]
pub struct Leaf;

impl Machine for Leaf {
    type Context = ();
    type Seed = ();
    fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::ok(Leaf)
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

/// Composed.
#[mio::machine]
#[derive(Debug)]
pub enum Server {
    /// The only machine.
    Leaf(Leaf),
}

/// A protocol.
#[mio::machine(protocol)]
#[derive(Debug)]
pub enum Proto {
    /// Reading.
    #[state(start, to(Done))]
    Read {
        /// Bytes read so far.
        count: usize,
    },
    /// Over.
    #[state(done)]
    Done(u8),
}

impl proto::Handlers for Proto {
    type Context = ();
    type Socket = UnixStream;
    fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Next<proto::Read> {
        Next::of(proto::Read { count: 0 }).expect_bytes(1)
    }
    fn on_read(
        state: proto::Read,
        _: Event,
        _: &mut Transport<'_, UnixStream>,
        _: &mut Scope<'_, ()>,
    ) -> Next<proto::AfterRead> {
        if state.count > 3 {
            Next::finish(proto::Done(1))
        } else {
            Next::of(proto::Read { count: state.count + 1 }).expect_bytes(1)
        }
    }
}

fn main() {
    let _ = (Server::from(Leaf), ServerSeed::Leaf(()));
}
