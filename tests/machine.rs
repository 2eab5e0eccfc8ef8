//! The machine layer: spawning, slab limits, deadlines, wake-ups, stale
//! tokens, shutdown. Time is moved by hand with a manual clock.

use std::time::Duration;

use mio::machine::{Created, Loop, LoopConfig, LoopInstance, Machine, Notifier, Response, Scope, SpawnError};
use mio::timer::ManualClock;
use mio::{EventSet, Token};

#[derive(Default)]
struct Log {
    created: Vec<u32>,
    spawn_errors: Vec<u32>,
    timeouts: Vec<u32>,
    wakeups: Vec<u32>,
    notifiers: Vec<Notifier>,
    deadline_ms: Option<u64>,
}

/// `Spawner(n)` spawns children 0..n on wake-up; `Child(id)` records its
/// events; a child made with an odd id sets a deadline if asked to.
#[derive(Debug)]
enum M {
    Spawner { next: u32, last: u32 },
    Child(u32),
}

impl Machine for M {
    type Context = Log;
    type Seed = u32;

    fn create(id: u32, scope: &mut Scope<'_, Log>) -> Created<Self> {
        scope.created.push(id);
        let n = scope.notifier();
        scope.notifiers.push(n);
        match scope.deadline_ms {
            Some(ms) => Created::keep(M::Child(id)).deadline(scope.now() + Duration::from_millis(ms)),
            None => Created::ok(M::Child(id)),
        }
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Log>) -> Response<Self, u32> {
        Response::ok(self)
    }

    fn spawned(self, _: &mut Scope<'_, Log>) -> Response<Self, u32> {
        self.spawn_next()
    }

    fn spawn_error(self, scope: &mut Scope<'_, Log>, error: SpawnError<u32>) -> Response<Self, u32> {
        scope.spawn_errors.push(error.seed);
        self.spawn_next()
    }

    fn timeout(self, scope: &mut Scope<'_, Log>) -> Response<Self, u32> {
        if let M::Child(id) = self {
            scope.timeouts.push(id);
        }
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Log>) -> Response<Self, u32> {
        match self {
            M::Spawner { .. } => self.spawn_next(),
            M::Child(id) => {
                scope.wakeups.push(id);
                match id {
                    // 1000+: end on wake-up; 2000+: stop the loop too.
                    1000..=1999 => Response::done(),
                    2000.. => {
                        scope.shutdown_loop();
                        Response::ok(self)
                    }
                    _ => Response::ok(self),
                }
            }
        }
    }
}

impl M {
    fn spawn_next(self) -> Response<Self, u32> {
        match self {
            M::Spawner { next, last } if next < last => Response::spawn(M::Spawner { next: next + 1, last }, next),
            other => Response::ok(other),
        }
    }
}

fn new_loop(machines: usize, clock: &ManualClock) -> LoopInstance<M> {
    let mut config = LoopConfig::new();
    config.machines(machines).event_loop().clock(clock.clone());
    let lp: Loop<M> = Loop::new(&config).unwrap();
    lp.instantiate(Log::default())
}

fn add_spawner(lp: &mut LoopInstance<M>, first: u32, last: u32) -> Notifier {
    let mut notifier = None;
    lp.add_machine_with(|scope| {
        notifier = Some(scope.notifier());
        Created::ok(M::Spawner { next: first, last })
    })
    .unwrap();
    notifier.unwrap()
}

fn turn(lp: &mut LoopInstance<M>) {
    lp.run_once(Some(Duration::ZERO)).unwrap();
}

#[test]
fn spawn_chain_creates_every_child_in_one_turn() {
    let clock = ManualClock::new();
    let mut lp = new_loop(2_000, &clock);
    add_spawner(&mut lp, 0, 1_000).wakeup().unwrap();
    turn(&mut lp);
    assert_eq!(lp.context().created.len(), 1_000);
    assert_eq!(lp.machine_count(), 1_001);
    assert_eq!(lp.context().created[..3], [0, 1, 2]);
}

#[test]
fn full_slab_calls_spawn_error_with_the_seed() {
    let clock = ManualClock::new();
    let mut lp = new_loop(4, &clock);
    add_spawner(&mut lp, 0, 6).wakeup().unwrap();
    turn(&mut lp);
    assert_eq!(lp.context().created, [0, 1, 2]);
    assert_eq!(lp.context().spawn_errors, [3, 4, 5]);
    assert_eq!(lp.machine_count(), 4);
}

#[test]
fn default_spawn_error_keeps_the_machine() {
    struct Once(bool);
    impl Machine for Once {
        type Context = ();
        type Seed = ();
        fn create(_: (), _: &mut Scope<'_, ()>) -> Created<Self> {
            Created::ok(Once(false))
        }
        fn ready(self, _: EventSet, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
            Response::ok(self)
        }
        fn timeout(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
            Response::ok(self)
        }
        fn wakeup(self, _: &mut Scope<'_, ()>) -> Response<Self, ()> {
            if self.0 {
                Response::ok(self)
            } else {
                Response::spawn(Once(true), ())
            }
        }
    }
    let mut config = LoopConfig::new();
    config.machines(1);
    let mut lp = Loop::<Once>::new(&config).unwrap().instantiate(());
    let mut n = None;
    lp.add_machine_with(|s| {
        n = Some(s.notifier());
        Created::ok(Once(false))
    })
    .unwrap();
    n.unwrap().wakeup().unwrap();
    lp.run_once(Some(Duration::ZERO)).unwrap();
    assert_eq!(lp.machine_count(), 1);
}

#[test]
fn deadline_fires_once_and_a_response_without_deadline_clears_it() {
    let clock = ManualClock::new();
    let mut lp = new_loop(16, &clock);
    lp.context_mut().deadline_ms = Some(10);
    add_spawner(&mut lp, 1, 3).wakeup().unwrap(); // children 1 and 2, each with a 10 ms deadline
    turn(&mut lp);
    assert_eq!(lp.context().created, [1, 2]);
    // Child 2 is woken: its wakeup returns Response::ok, which clears its deadline.
    lp.context().notifiers[1].wakeup().unwrap();
    turn(&mut lp);
    clock.advance(Duration::from_millis(9));
    turn(&mut lp);
    assert!(lp.context().timeouts.is_empty(), "fired early");
    clock.advance(Duration::from_millis(2));
    turn(&mut lp);
    assert_eq!(lp.context().timeouts, [1]);
    clock.advance(Duration::from_secs(10));
    turn(&mut lp);
    assert_eq!(lp.context().timeouts, [1], "a deadline fires once; a cleared one never");
}

#[test]
fn wakeup_from_another_thread_reaches_the_machine() {
    let clock = ManualClock::new();
    let mut lp = new_loop(16, &clock);
    add_spawner(&mut lp, 7, 8).wakeup().unwrap();
    turn(&mut lp);
    let notifier = lp.context().notifiers[0].clone();
    std::thread::spawn(move || notifier.wakeup().unwrap()).join().unwrap();
    for _ in 0..100 {
        lp.run_once(Some(Duration::from_millis(100))).unwrap();
        if !lp.context().wakeups.is_empty() {
            break;
        }
    }
    assert_eq!(lp.context().wakeups, [7]);
}

#[test]
fn a_reused_token_gets_no_stale_wakeup_or_timeout() {
    let clock = ManualClock::new();
    let mut lp = new_loop(16, &clock);
    lp.context_mut().deadline_ms = Some(10);
    let spawner = add_spawner(&mut lp, 1000, 1001);
    spawner.wakeup().unwrap();
    turn(&mut lp);
    let old = lp.context().notifiers[0].clone();
    old.wakeup().unwrap(); // child 1000 ends on wake-up
    turn(&mut lp);
    assert_eq!(lp.machine_count(), 1);
    // A new child takes the freed token.
    lp.context_mut().deadline_ms = None;
    lp.add_machine_with(|scope| {
        assert_eq!(scope.token(), Token(1), "the slot is reused");
        Created::ok(M::Child(5))
    })
    .unwrap();
    old.wakeup().unwrap();
    clock.advance(Duration::from_millis(50));
    turn(&mut lp);
    turn(&mut lp);
    assert_eq!(lp.context().wakeups, [1000], "the old notifier must not wake the new machine");
    assert!(lp.context().timeouts.is_empty(), "the old deadline must not reach the new machine");
}

#[test]
fn events_for_an_ended_machine_are_ignored() {
    let clock = ManualClock::new();
    let mut lp = new_loop(16, &clock);
    add_spawner(&mut lp, 1000, 1001).wakeup().unwrap();
    turn(&mut lp);
    let n = lp.context().notifiers[0].clone();
    n.wakeup().unwrap();
    n.wakeup().unwrap(); // the second arrives after the machine ended in the same turn
    turn(&mut lp);
    turn(&mut lp);
    assert_eq!(lp.context().wakeups, [1000]);
}

#[test]
fn shutdown_loop_stops_run() {
    let clock = ManualClock::new();
    let mut lp = new_loop(16, &clock);
    add_spawner(&mut lp, 2000, 2001).wakeup().unwrap();
    turn(&mut lp);
    let n = lp.context().notifiers[0].clone();
    let t = std::thread::spawn(move || n.wakeup().unwrap());
    lp.run().unwrap();
    t.join().unwrap();
    assert_eq!(lp.context().wakeups, [2000]);
}

#[test]
fn slab_full_on_add_is_an_error() {
    let clock = ManualClock::new();
    let mut lp = new_loop(1, &clock);
    add_spawner(&mut lp, 0, 0);
    let err = lp.add_machine_with(|_| Created::ok(M::Child(1))).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::OutOfMemory);
}

#[test]
fn the_default_wakeup_keeps_the_deadline() {
    struct Waiter;
    impl Machine for Waiter {
        type Context = u32;
        type Seed = ();
        fn create(_: (), _: &mut Scope<'_, u32>) -> Created<Self> {
            Created::ok(Waiter)
        }
        fn ready(self, _: EventSet, _: &mut Scope<'_, u32>) -> Response<Self, ()> {
            Response::ok(self)
        }
        fn timeout(self, scope: &mut Scope<'_, u32>) -> Response<Self, ()> {
            **scope += 1;
            Response::ok(self)
        }
    }
    let clock = ManualClock::new();
    let mut config = LoopConfig::new();
    config.event_loop().clock(clock.clone());
    let mut lp = Loop::<Waiter>::new(&config).unwrap().instantiate(0);
    let mut notifier = None;
    lp.add_machine_with(|scope| {
        notifier = Some(scope.notifier());
        Created::keep(Waiter).deadline(scope.now() + Duration::from_millis(10))
    })
    .unwrap();
    notifier.unwrap().wakeup().unwrap(); // spurious: Response::unchanged
    lp.run_once(Some(Duration::ZERO)).unwrap();
    clock.advance(Duration::from_millis(11));
    lp.run_once(Some(Duration::ZERO)).unwrap();
    assert_eq!(*lp.context(), 1, "the deadline survived the wake-up and fired");
}

/// Sets a deadline `first_ms` ahead at create; each wake-up moves it to
/// `next_ms` after the current time. Records when its timeouts come.
struct Mover {
    next_ms: u64,
}

#[derive(Default)]
struct Moves {
    timeouts: Vec<Duration>,
    notifier: Option<Notifier>,
    start: Option<std::time::Instant>,
}

impl Machine for Mover {
    type Context = Moves;
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, Moves>) -> Created<Self> {
        unreachable!("added with add_machine_with")
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Moves>) -> Response<Self, ()> {
        Response::ok(self)
    }

    fn timeout(self, scope: &mut Scope<'_, Moves>) -> Response<Self, ()> {
        let at = scope.now() - scope.start.unwrap();
        scope.timeouts.push(at);
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Moves>) -> Response<Self, ()> {
        let at = scope.now() + Duration::from_millis(self.next_ms);
        Response::keep(self).deadline(at)
    }
}

/// A loop with one `Mover` whose first deadline is `first_ms` ahead.
fn mover(clock: &ManualClock, first_ms: u64, next_ms: u64) -> LoopInstance<Mover> {
    let mut config = LoopConfig::new();
    config.machines(4).event_loop().clock(clock.clone());
    let mut lp = Loop::<Mover>::new(&config).unwrap().instantiate(Moves::default());
    lp.add_machine_with(|scope| {
        scope.notifier = Some(scope.notifier());
        scope.start = Some(scope.now());
        Created::keep(Mover { next_ms }).deadline(scope.now() + Duration::from_millis(first_ms))
    })
    .unwrap();
    lp
}

/// Advances the clock by `ms`, then runs turns until nothing is left to do now.
fn step(lp: &mut LoopInstance<Mover>, clock: &ManualClock, ms: u64) {
    clock.advance(Duration::from_millis(ms));
    turn_all(lp);
}

fn turn_all(lp: &mut LoopInstance<Mover>) {
    for _ in 0..3 {
        lp.run_once(Some(Duration::ZERO)).unwrap();
    }
}

#[test]
fn a_deadline_moved_later_fires_at_the_new_time_only() {
    let clock = ManualClock::new();
    let mut lp = mover(&clock, 10, 10);
    step(&mut lp, &clock, 6);
    lp.context().notifier.as_ref().unwrap().wakeup().unwrap(); // deadline 10 ms -> 16 ms
    turn_all(&mut lp);
    step(&mut lp, &clock, 5); // 11 ms: the first timer passed, the deadline did not
    assert!(lp.context().timeouts.is_empty(), "fired at the old deadline");
    step(&mut lp, &clock, 4); // 15 ms
    assert!(lp.context().timeouts.is_empty(), "fired early");
    step(&mut lp, &clock, 2); // 17 ms
    assert_eq!(lp.context().timeouts, [Duration::from_millis(17)]);
    step(&mut lp, &clock, 100);
    assert_eq!(lp.context().timeouts.len(), 1, "a deadline fires once");
}

#[test]
fn a_deadline_moved_earlier_fires_at_the_new_time() {
    let clock = ManualClock::new();
    let mut lp = mover(&clock, 100, 2);
    step(&mut lp, &clock, 1);
    lp.context().notifier.as_ref().unwrap().wakeup().unwrap(); // deadline 100 ms -> 3 ms
    turn_all(&mut lp);
    step(&mut lp, &clock, 1); // 2 ms
    assert!(lp.context().timeouts.is_empty(), "fired early");
    step(&mut lp, &clock, 2); // 4 ms
    assert_eq!(lp.context().timeouts, [Duration::from_millis(4)]);
    step(&mut lp, &clock, 200);
    assert_eq!(lp.context().timeouts.len(), 1, "the old timer was cancelled");
}

#[test]
fn absurd_buffer_pools_are_invalid_input_not_a_panic() {
    for (size, count) in [(0, 8), (usize::MAX, 2), (1 << 40, 1 << 40)] {
        let mut config = LoopConfig::new();
        config.buffers(size, count);
        let err = Loop::<M>::new(&config).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "buffers({size}, {count})");
    }
}

#[test]
fn absurd_table_sizes_are_invalid_input_not_an_abort() {
    let mut config = LoopConfig::new();
    config.machines(usize::MAX);
    assert_eq!(Loop::<M>::new(&config).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    for set in [
        |c: &mut mio::EventLoopConfig| {
            c.events_capacity(usize::MAX);
        },
        |c: &mut mio::EventLoopConfig| {
            c.notify_capacity(usize::MAX);
        },
        |c: &mut mio::EventLoopConfig| {
            c.timer_capacity(usize::MAX);
        },
    ] {
        let mut config = mio::EventLoopConfig::new();
        set(&mut config);
        let err = mio::EventLoop::<()>::configured(config).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
