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

struct Tick;

impl Machine for Tick {
    type Context = ();
    type Seed = u8;
    fn create(_: u8, _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::ok(Tick)
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, u8> {
        Response::ok(self)
    }
    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, u8> {
        Response::ok(self)
    }
}

#[mio::machine]
enum Inner {
    Leaf(Leaf),
    Tick(Tick),
}

#[mio::machine]
enum Outer {
    Inner(Inner),
    Leaf(Leaf),
}

fn main() {
    fn machine<M: Machine<Context = (), Seed = OuterSeed>>() {}
    machine::<Outer>();
    let _seed = OuterSeed::Inner(InnerSeed::Tick(3));
    let _: Outer = Inner::from(Tick).into();
}
