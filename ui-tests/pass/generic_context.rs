use std::marker::PhantomData;

use mio::machine::{Created, Machine, Response, Scope};
use mio::EventSet;

struct Gen<C, const N: u8>(PhantomData<C>);

impl<C, const N: u8> Machine for Gen<C, N> {
    type Context = C;
    type Seed = ();
    fn create(_: (), _: &mut Scope<'_, C>) -> Created<Self> {
        Created::ok(Gen(PhantomData))
    }
    fn ready(self, _: EventSet, _: &mut Scope<'_, C>) -> Response<Self, ()> {
        Response::ok(self)
    }
    fn timeout(self, _: &mut Scope<'_, C>) -> Response<Self, ()> {
        Response::ok(self)
    }
}

/// The context is inferred from the first variant.
#[mio::machine]
enum Inferred<C> {
    A(Gen<C, 0>),
    B(Gen<C, 1>),
}

/// The context is given (and the enum has a where clause).
#[mio::machine(context = C)]
enum Given<C>
where
    C: Default,
{
    A(Gen<C, 0>),
    B(Gen<C, 1>),
}

/// A generic composed enum inside another.
#[mio::machine]
enum Nested<C> {
    Inner(Inferred<C>),
    Other(Gen<C, 2>),
}

/// A variant that is a bare type parameter (no `From` impl for it: two such
/// variants would overlap).
#[mio::machine]
enum Wrap<M: Machine> {
    Inner(M),
    Fixed(Gen<M::Context, 3>),
}

fn machine<M: Machine<Context = u8>>() {}

fn main() {
    machine::<Wrap<Gen<u8, 9>>>();
    let _: Wrap<Gen<u8, 9>> = Gen::<u8, 3>(PhantomData).into();
    machine::<Inferred<u8>>();
    machine::<Given<u8>>();
    machine::<Nested<u8>>();
    let _ = NestedSeed::<u8>::Inner(InferredSeed::B(()));
    let _: Inferred<String> = Gen::<String, 1>(PhantomData).into();
}
