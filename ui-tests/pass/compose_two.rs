use mio::machine::{Created, Machine, Response, Scope};
use mio::EventSet;

struct Leaf;

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

struct Other;

impl Machine for Other {
    type Context = ();
    type Seed = u32;
    fn create(_: u32, _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::ok(Other)
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, u32> {
        Response::spawn(self, 7)
    }
    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, u32> {
        Response::done()
    }
}

struct Leaf2;

impl Machine for Leaf2 {
    type Context = ();
    type Seed = ();
    fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::ok(Leaf2)
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

#[mio::machine]
enum Server {
    Leaf(Leaf),
    Other(Other),
    /// Configured out: no dispatch, seed or bound is generated for it.
    #[cfg(any())]
    Disabled(NotAMachine),
    #[cfg(all())]
    Enabled(Leaf2),
}

fn main() {
    fn machine<M: Machine<Context = (), Seed = ServerSeed>>() {}
    machine::<Server>();
    let _: Server = Leaf.into();
    let _: Server = Other.into();
    let _: Server = Leaf2.into();
    assert_eq!(format!("{:?}", ServerSeed::Other(7)), "ServerSeed::Other(..)");
}
