use mio::machine::Scope;
use mio::stream::{Event, Next, Transport};
use mio::unix::UnixStream;

#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Pong))]
    Wait,
    #[state(to(Reply))]
    Pong,
    #[state(to(Wait, Closed))]
    Reply,
    #[state(done)]
    Closed,
}

use ping::{Pong, Reply, Wait};

type T<'a> = Transport<'a, UnixStream>;

impl ping::Handlers for Ping {
    type Context = ();
    type Socket = UnixStream;
    fn create(_: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<Wait> {
        Next::of(Wait).expect_bytes(1)
    }
    fn on_wait(_: Wait, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterWait> {
        Next::of(Reply).expect_flush()
    }
    fn on_pong(_: Pong, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterPong> {
        Next::of(Reply).expect_flush()
    }
    fn on_reply(_: Reply, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterReply> {
        Next::of(Wait).expect_bytes(1)
    }
}

fn main() {}
