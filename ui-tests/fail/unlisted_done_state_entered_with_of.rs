//! `Next::of` with a `done` state the current state does not list: the
//! transition is undeclared, and a `done` state takes `Next::finish` anyway.
use mio::machine::Scope;
use mio::stream::{Event, Next, Transport};
use mio::unix::UnixStream;

#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Pong))]
    Wait,
    #[state(to(Closed))]
    Pong,
    #[state(done)]
    Closed,
}

use ping::{Closed, Pong, Wait};

type T<'a> = Transport<'a, UnixStream>;

impl ping::Handlers for Ping {
    type Context = ();
    type Socket = UnixStream;
    fn create(_: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<Wait> {
        Next::of(Wait).expect_bytes(1)
    }
    fn on_wait(_: Wait, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterWait> {
        Next::of(Closed).sleep()
    }
    fn on_pong(_: Pong, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterPong> {
        Next::finish(Closed)
    }
}

fn main() {}
