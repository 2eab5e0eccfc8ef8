//! Behaviour of `#[machine]` compose mode on a real machine loop: dispatch
//! reaches the right variant, seeds become machines of the variant that
//! spawned them, `spawn_error` reaches the inner override, and deadlines and
//! wake-ups reach the right machine. Time is moved by hand (no sleeps);
//! every wait is a bounded number of zero-timeout turns.

use std::io::{Read, Write};
use std::marker::PhantomData;
use std::time::Duration;

use mio::machine::{Created, LoopConfig, LoopInstance, Machine, Notifier, Response, Scope, SpawnError};
use mio::timer::ManualClock;
use mio::unix::{pipe, PipeReader, PipeWriter};
use mio::{EventSet, PollOpt, Token};

/// What the probes saw, in order, plus handles the test needs.
#[derive(Default)]
struct Log {
    lines: Vec<String>,
    notifiers: Vec<(u32, Notifier)>,
}

impl Log {
    fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }
}

/// Names a probe type, so `Probe<KA>` and `Probe<KB>` are distinct machines.
trait Kind {
    const NAME: &'static str;
}
struct KA;
struct KB;
struct KC;
impl Kind for KA {
    const NAME: &'static str = "A";
}
impl Kind for KB {
    const NAME: &'static str = "B";
}
impl Kind for KC {
    const NAME: &'static str = "C";
}

/// How to make a probe.
struct Spec {
    id: u32,
    pipe: Option<PipeReader>,
    deadline: Option<Duration>,
    children: Vec<Spec>,
}

impl Spec {
    fn new(id: u32) -> Spec {
        Spec { id, pipe: None, deadline: None, children: Vec::new() }
    }
}

/// A machine that logs every callback as `<kind><id>.<callback>`; spawns its
/// children one per readiness event.
struct Probe<K> {
    id: u32,
    pipe: Option<PipeReader>,
    children: Vec<Spec>,
    _kind: PhantomData<K>,
}

impl<K: Kind> Probe<K> {
    fn log(&self, scope: &mut Scope<'_, Log>, what: &str) {
        scope.lines.push(format!("{}{}.{what}", K::NAME, self.id));
    }
}

impl<K: Kind> Machine for Probe<K> {
    type Context = Log;
    type Seed = Spec;

    fn create(seed: Spec, scope: &mut Scope<'_, Log>) -> Created<Self> {
        let probe = Probe::<K> { id: seed.id, pipe: seed.pipe, children: seed.children, _kind: PhantomData };
        probe.log(scope, "create");
        if let Some(pipe) = &probe.pipe {
            scope.register(pipe, EventSet::readable(), PollOpt::edge()).unwrap();
        }
        let notifier = scope.notifier();
        scope.notifiers.push((probe.id, notifier));
        match seed.deadline {
            Some(after) => {
                let at = scope.now() + after;
                Created::keep(probe).deadline(at)
            }
            None => Created::ok(probe),
        }
    }

    fn ready(mut self, _events: EventSet, scope: &mut Scope<'_, Log>) -> Response<Self, Spec> {
        self.log(scope, "ready");
        if let Some(pipe) = &mut self.pipe {
            let mut buf = [0; 64];
            while matches!(pipe.read(&mut buf), Ok(n) if n > 0) {}
        }
        match self.children.pop() {
            Some(child) => Response::spawn(self, child),
            None => Response::ok(self),
        }
    }

    fn spawned(self, scope: &mut Scope<'_, Log>) -> Response<Self, Spec> {
        self.log(scope, "spawned");
        Response::ok(self)
    }

    fn spawn_error(self, scope: &mut Scope<'_, Log>, error: SpawnError<Spec>) -> Response<Self, Spec> {
        self.log(scope, &format!("spawn_error({})", error.seed.id));
        Response::ok(self)
    }

    fn timeout(self, scope: &mut Scope<'_, Log>) -> Response<Self, Spec> {
        self.log(scope, "timeout");
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Log>) -> Response<Self, Spec> {
        self.log(scope, "wakeup");
        Response::ok(self)
    }
}

#[mio::machine]
enum Pair {
    A(Probe<KA>),
    B(Probe<KB>),
}

#[mio::machine(seed = NestedSeed)]
enum Nested {
    Inner(Pair),
    C(Probe<KC>),
}

/// A loop of `M` with a hand-moved clock and `capacity` machine slots.
fn instance<M: Machine<Context = Log>>(capacity: usize) -> (LoopInstance<M>, ManualClock) {
    let clock = ManualClock::new();
    let mut config = LoopConfig::new();
    config.machines(capacity).event_loop().clock(clock.clone());
    let event_loop = mio::machine::Loop::<M>::new(&config).unwrap();
    (event_loop.instantiate(Log::default()), clock)
}

fn add<M: Machine<Context = Log>>(l: &mut LoopInstance<M>, seed: M::Seed) -> Token {
    l.add_machine_with(|scope| M::create(seed, scope)).unwrap().token()
}

/// Runs zero-timeout turns until `done` holds of the log, at most 100.
fn turn_until<M: Machine<Context = Log>>(l: &mut LoopInstance<M>, done: impl Fn(&Log) -> bool) {
    for _ in 0..100 {
        if done(l.context()) {
            return;
        }
        l.run_once(Some(Duration::ZERO)).unwrap();
    }
    panic!("not reached after 100 turns: {:?}", l.context().lines);
}

fn with_pipe(id: u32) -> (Spec, PipeWriter) {
    let (r, w) = pipe().unwrap();
    (Spec { pipe: Some(r), ..Spec::new(id) }, w)
}

#[test]
fn create_dispatches_by_seed_variant() {
    let (mut l, _clock) = instance::<Pair>(8);
    add(&mut l, PairSeed::A(Spec::new(1)));
    add(&mut l, PairSeed::B(Spec::new(2)));
    assert_eq!(l.context_mut().take(), ["A1.create", "B2.create"]);
    assert_eq!(l.machine_count(), 2);
}

#[test]
fn ready_reaches_the_right_variant() {
    let (mut l, _clock) = instance::<Pair>(8);
    let (a, mut wa) = with_pipe(1);
    let (b, mut wb) = with_pipe(2);
    add(&mut l, PairSeed::A(a));
    add(&mut l, PairSeed::B(b));
    l.context_mut().take();
    wb.write_all(b"x").unwrap();
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["B2.ready"]);
    wa.write_all(b"x").unwrap();
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["A1.ready"]);
}

#[test]
fn seeds_become_machines_of_the_spawning_variant() {
    let (mut l, _clock) = instance::<Pair>(8);
    let (mut a, mut wa) = with_pipe(1);
    let (mut b, mut wb) = with_pipe(2);
    a.children.push(Spec::new(10));
    b.children.push(Spec::new(20));
    add(&mut l, PairSeed::A(a));
    add(&mut l, PairSeed::B(b));
    l.context_mut().take();
    wa.write_all(b"x").unwrap();
    turn_until(&mut l, |log| log.lines.len() >= 3);
    // The child of an `A` is an `A`, created before its parent hears `spawned`.
    assert_eq!(l.context_mut().take(), ["A1.ready", "A10.create", "A1.spawned"]);
    wb.write_all(b"x").unwrap();
    turn_until(&mut l, |log| log.lines.len() >= 3);
    assert_eq!(l.context_mut().take(), ["B2.ready", "B20.create", "B2.spawned"]);
    assert_eq!(l.machine_count(), 4);
}

#[test]
fn spawn_error_reaches_the_inner_override() {
    let (mut l, _clock) = instance::<Pair>(2);
    let (a, _wa) = with_pipe(1);
    let (mut b, mut wb) = with_pipe(2);
    b.children.push(Spec::new(20));
    add(&mut l, PairSeed::A(a));
    add(&mut l, PairSeed::B(b));
    l.context_mut().take();
    wb.write_all(b"x").unwrap();
    turn_until(&mut l, |log| log.lines.len() >= 2);
    assert_eq!(l.context_mut().take(), ["B2.ready", "B2.spawn_error(20)"]);
    assert_eq!(l.machine_count(), 2);
}

#[test]
fn deadlines_reach_the_right_variant() {
    let (mut l, clock) = instance::<Pair>(8);
    add(&mut l, PairSeed::A(Spec { deadline: Some(Duration::from_millis(10)), ..Spec::new(1) }));
    add(&mut l, PairSeed::B(Spec { deadline: Some(Duration::from_millis(30)), ..Spec::new(2) }));
    l.context_mut().take();
    l.run_once(Some(Duration::ZERO)).unwrap();
    assert!(l.context().lines.is_empty(), "{:?}", l.context().lines);
    clock.advance(Duration::from_millis(15));
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["A1.timeout"]);
    clock.advance(Duration::from_millis(20));
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["B2.timeout"]);
}

#[test]
fn wakeups_reach_the_right_variant() {
    let (mut l, _clock) = instance::<Pair>(8);
    add(&mut l, PairSeed::A(Spec::new(1)));
    add(&mut l, PairSeed::B(Spec::new(2)));
    l.context_mut().take();
    let notifier = |l: &LoopInstance<Pair>, id| l.context().notifiers.iter().find(|(i, _)| *i == id).unwrap().1.clone();
    notifier(&l, 2).wakeup().unwrap();
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["B2.wakeup"]);
    notifier(&l, 1).wakeup().unwrap();
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["A1.wakeup"]);
}

#[test]
fn nested_compose_dispatches_through_both_levels() {
    let (mut l, clock) = instance::<Nested>(8);
    let (mut b, mut wb) = with_pipe(2);
    b.children.push(Spec::new(20));
    add(&mut l, NestedSeed::Inner(PairSeed::B(b)));
    add(&mut l, NestedSeed::C(Spec { deadline: Some(Duration::from_millis(5)), ..Spec::new(3) }));
    assert_eq!(l.context_mut().take(), ["B2.create", "C3.create"]);
    wb.write_all(b"x").unwrap();
    turn_until(&mut l, |log| log.lines.len() >= 3);
    assert_eq!(l.context_mut().take(), ["B2.ready", "B20.create", "B2.spawned"]);
    clock.advance(Duration::from_millis(10));
    turn_until(&mut l, |log| !log.lines.is_empty());
    assert_eq!(l.context_mut().take(), ["C3.timeout"]);
}

#[test]
fn from_impls_wrap_each_variant() {
    let a: Pair = Probe::<KA> { id: 1, pipe: None, children: Vec::new(), _kind: PhantomData }.into();
    let c: Nested = Probe::<KC> { id: 3, pipe: None, children: Vec::new(), _kind: PhantomData }.into();
    let inner: Nested = Pair::from(Probe::<KB> { id: 2, pipe: None, children: Vec::new(), _kind: PhantomData }).into();
    assert!(matches!(a, Pair::A(Probe { id: 1, .. })));
    assert!(matches!(c, Nested::C(Probe { id: 3, .. })));
    assert!(matches!(inner, Nested::Inner(Pair::B(Probe { id: 2, .. }))));
}
