use mio::machine::Scope;
use mio::stream::{Event, Next, Transport};
use mio::unix::UnixStream;

#[mio::machine(protocol)]
enum Ping {
    #[state(start, to(Pongg))]
    Wait,
    #[state(to(Closed))]
    Pong,
    #[state(done)]
    Closed,
}

use ping::{Closed, Pong, Wait};

type T<'a> = Transport<'a, UnixStream>;

// The handlers are written against the intended graph, and `main` uses the
// protocol: the typo above is the only error reported.
impl ping::Handlers for Ping {
    type Context = ();
    type Socket = UnixStream;
    fn create(_: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<Wait> {
        Next::of(Wait).expect_bytes(1)
    }
    fn on_wait(_: Wait, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterWait> {
        Next::of(Pong).expect_flush()
    }
    fn on_pong(_: Pong, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<ping::AfterPong> {
        Next::finish(Closed)
    }
}

fn main() {
    // Still a protocol for later code.
    let _ = std::any::type_name::<mio::stream::Stream<Ping>>();
}
