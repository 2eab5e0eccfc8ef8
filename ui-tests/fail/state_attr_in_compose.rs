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

#[mio::machine]
enum Server {
    #[state(start)]
    Leaf(Leaf),
}
fn main() {}
