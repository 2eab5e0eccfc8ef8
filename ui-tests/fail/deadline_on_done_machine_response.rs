use mio::machine::{Created, Machine, Response, Scope};
use mio::EventSet;

struct Once;

impl Machine for Once {
    type Context = ();
    type Seed = ();
    fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
        Created::ok(Once)
    }
    fn ready(self, _: EventSet, scope: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::done().deadline(scope.now())
    }
    fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

fn main() {}
