//! A composed machine forwards `spawn_error` to the inner override (rotor's
//! compose dropped it): the loop has one slot, so the spawn fails.

use std::time::Duration;

use mio::machine::{Created, Loop, LoopConfig, Machine, Notifier, Response, Scope, SpawnError};
use mio::EventSet;

#[derive(Default)]
struct Ctx {
    notifier: Option<Notifier>,
    spawn_errors: Vec<u32>,
}

struct Parent;

impl Machine for Parent {
    type Context = Ctx;
    type Seed = u32;
    fn create(_: u32, scope: &mut Scope<'_, Ctx>) -> Created<Self> {
        scope.notifier = Some(scope.notifier());
        Created::ok(Parent)
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, Ctx>) -> Response<Self, u32> {
        Response::ok(self)
    }
    fn wakeup(self, _: &mut Scope<'_, Ctx>) -> Response<Self, u32> {
        Response::spawn(self, 42)
    }
    fn spawn_error(self, scope: &mut Scope<'_, Ctx>, error: SpawnError<u32>) -> Response<Self, u32> {
        scope.spawn_errors.push(error.seed);
        Response::ok(self)
    }
    fn timeout(self, _: &mut Scope<'_, Ctx>) -> Response<Self, u32> {
        Response::ok(self)
    }
}

struct Other;

impl Machine for Other {
    type Context = Ctx;
    type Seed = ();
    fn create(_: (), _: &mut Scope<'_, Ctx>) -> Created<Self> {
        Created::ok(Other)
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, Ctx>) -> Response<Self, ()> {
        Response::ok(self)
    }
    fn timeout(self, _: &mut Scope<'_, Ctx>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

#[mio::machine]
enum Server {
    Other(Other),
    Parent(Parent),
}

fn main() {
    let mut config = LoopConfig::new();
    config.machines(1);
    let mut l = Loop::<Server>::new(&config).unwrap().instantiate(Ctx::default());
    l.add_machine_with(|scope| Server::create(ServerSeed::Parent(0), scope)).unwrap();
    l.context().notifier.as_ref().unwrap().wakeup().unwrap();
    for _ in 0..100 {
        if !l.context().spawn_errors.is_empty() {
            break;
        }
        l.run_once(Some(Duration::ZERO)).unwrap();
    }
    assert_eq!(l.context().spawn_errors, [42], "the inner spawn_error got the seed back");
}
