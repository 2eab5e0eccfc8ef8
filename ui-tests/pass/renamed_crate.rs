use mio_core::machine::{Created, Machine, Response, Scope};
use mio_core::EventSet;

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

/// Generated code names the runtime as `mio_core`, not `::mio`.
#[mio_derive::machine(crate = mio_core, seed = Seeds, context = ())]
enum Server {
    Leaf(Leaf),
}

fn main() {
    fn machine<M: Machine<Seed = Seeds>>() {}
    machine::<Server>();
}
