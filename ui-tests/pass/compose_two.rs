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

#[mio::machine]
enum Server {
    Leaf(Leaf),
    Other(Other),
}

fn main() {
    fn machine<M: Machine<Context = (), Seed = ServerSeed>>() {}
    machine::<Server>();
    let _: Server = Leaf.into();
    let _: Server = Other.into();
    assert_eq!(format!("{:?}", ServerSeed::Other(7)), "ServerSeed::Other(..)");
}
