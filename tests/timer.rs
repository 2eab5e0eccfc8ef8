//! Timeouts through the `EventLoop`: order, clearing, capacity, payload
//! drops, and sleeping until the next deadline. Time is moved by hand with a
//! `ManualClock`, except in the two tests of the real OS clock path.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mio::timer::ManualClock;
use mio::{EventLoop, EventLoopConfig, Handler, TimerError};

const MS: Duration = Duration::from_millis(1);

/// Records what fired, with the loop's clock reading when it did.
struct Recorder<P> {
    fired: Vec<(P, Instant)>,
}

impl<P> Handler for Recorder<P> {
    type Timeout = P;
    type Message = ();

    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, payload: P) {
        self.fired.push((payload, event_loop.now()));
    }
}

fn manual_loop<P>(configure: impl FnOnce(&mut EventLoopConfig)) -> (EventLoop<Recorder<P>>, ManualClock, Recorder<P>) {
    let clock = ManualClock::new();
    let mut config = EventLoopConfig::new();
    config.clock(clock.clone());
    configure(&mut config);
    (EventLoop::configured(config).unwrap(), clock, Recorder { fired: Vec::new() })
}

/// One turn that does not block.
fn turn<P>(event_loop: &mut EventLoop<Recorder<P>>, h: &mut Recorder<P>) {
    event_loop.run_once(h, Some(Duration::ZERO)).unwrap();
}

fn fired<P: Copy>(h: &Recorder<P>) -> Vec<P> {
    h.fired.iter().map(|&(p, _)| p).collect()
}

#[test]
fn timeouts_fire_in_deadline_order_and_same_tick_in_set_order() {
    let (mut event_loop, clock, mut h) = manual_loop(|_| {});
    event_loop.timeout("c", 30 * MS).unwrap();
    event_loop.timeout("a1", 10 * MS).unwrap();
    event_loop.timeout("b", 20 * MS).unwrap();
    event_loop.timeout("a2", 10 * MS).unwrap();
    event_loop.timeout("far", Duration::from_secs(3600)).unwrap();

    turn(&mut event_loop, &mut h);
    clock.advance(9 * MS);
    turn(&mut event_loop, &mut h);
    assert!(h.fired.is_empty(), "fired early");
    clock.advance(MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), ["a1", "a2"]);
    clock.advance(25 * MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), ["a1", "a2", "b", "c"]);
    clock.advance(Duration::from_secs(3600));
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), ["a1", "a2", "b", "c", "far"]);
}

#[test]
fn timeouts_never_fire_early_and_at_most_one_tick_late() {
    let (mut event_loop, clock, mut h) = manual_loop(|c| {
        c.timer_tick(MS);
    });
    let start = event_loop.now();
    let step = Duration::from_micros(250);
    let delays: Vec<Duration> = (0..40).map(|i| Duration::from_micros(137 * i * i + 90)).collect();
    for (i, &d) in delays.iter().enumerate() {
        event_loop.timeout(i, d).unwrap();
    }
    for _ in 0..1000 {
        clock.advance(step);
        turn(&mut event_loop, &mut h);
    }
    assert_eq!(h.fired.len(), delays.len());
    for &(i, at) in &h.fired {
        let due = start + delays[i];
        assert!(at >= due, "timeout {i} fired early");
        // One tick late, plus the granularity at which this test moves time.
        assert!(at - due <= MS + step, "timeout {i} fired {:?} late", at - due);
    }
}

#[test]
fn clear_timeout_is_false_after_fire_twice_and_for_stale_handles() {
    let (mut event_loop, clock, mut h) = manual_loop(|c| {
        c.timer_capacity(1);
    });
    let first = event_loop.timeout(1, 5 * MS).unwrap();
    assert!(event_loop.clear_timeout(first));
    assert!(!event_loop.clear_timeout(first));

    let fires = event_loop.timeout(2, 5 * MS).unwrap();
    clock.advance(5 * MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), [2]);
    assert!(!event_loop.clear_timeout(fires));

    // The only entry is reused: stale handles must not clear the new timeout.
    let current = event_loop.timeout(3, 5 * MS).unwrap();
    assert!(!event_loop.clear_timeout(first));
    assert!(!event_loop.clear_timeout(fires));
    clock.advance(5 * MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), [2, 3]);
    assert!(!event_loop.clear_timeout(current));
}

#[test]
fn full_timer_capacity_is_an_error_and_the_loop_keeps_working() {
    let (mut event_loop, clock, mut h) = manual_loop(|c| {
        c.timer_capacity(2);
    });
    event_loop.timeout(1, 10 * MS).unwrap();
    let second = event_loop.timeout(2, 20 * MS).unwrap();
    assert_eq!(event_loop.timeout(3, MS), Err(TimerError));
    assert!(event_loop.clear_timeout(second));
    event_loop.timeout(4, 20 * MS).unwrap();
    assert_eq!(event_loop.timeout(5, MS), Err(TimerError));
    clock.advance(20 * MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), [1, 4]);
    event_loop.timeout(6, MS).unwrap();
    event_loop.timeout(7, MS).unwrap();
    clock.advance(MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), [1, 4, 6, 7]);
}

/// Counts its drops.
struct Payload(Rc<Cell<u32>>);

impl Drop for Payload {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

struct Dropper;

impl Handler for Dropper {
    type Timeout = Payload;
    type Message = ();
}

#[test]
fn payloads_are_dropped_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    let clock = ManualClock::new();
    let mut config = EventLoopConfig::new();
    config.clock(clock.clone()).timer_capacity(4);
    let mut event_loop: EventLoop<Dropper> = EventLoop::configured(config).unwrap();

    event_loop.timeout(Payload(drops.clone()), MS).unwrap(); // fires
    let cleared = event_loop.timeout(Payload(drops.clone()), MS).unwrap();
    event_loop.timeout(Payload(drops.clone()), Duration::from_secs(10)).unwrap(); // left pending
    event_loop.timeout(Payload(drops.clone()), Duration::from_secs(1 << 40)).unwrap(); // far beyond the wheel
    assert_eq!(event_loop.timeout(Payload(drops.clone()), MS), Err(TimerError)); // refused
    assert_eq!(drops.get(), 1);

    assert!(event_loop.clear_timeout(cleared));
    assert!(!event_loop.clear_timeout(cleared));
    assert_eq!(drops.get(), 2);

    clock.advance(MS);
    event_loop.run_once(&mut Dropper, Some(Duration::ZERO)).unwrap();
    assert_eq!(drops.get(), 3);

    drop(event_loop);
    assert_eq!(drops.get(), 5);
    assert_eq!(Rc::strong_count(&drops), 1);
}

#[test]
fn a_small_timer_wheel_size_still_fires_far_deadlines() {
    let (mut event_loop, clock, mut h) = manual_loop(|c| {
        c.timer_wheel_size(64);
    });
    event_loop.timeout("far", Duration::from_secs(100)).unwrap();
    event_loop.timeout("near", 50 * MS).unwrap();
    clock.advance(50 * MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), ["near"]);
    clock.advance(Duration::from_secs(100) - 50 * MS - MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), ["near"]);
    clock.advance(MS);
    turn(&mut event_loop, &mut h);
    assert_eq!(fired(&h), ["near", "far"]);
}

/// Runs turns until something fires; returns the turns taken.
fn turns_until_fired<P>(event_loop: &mut EventLoop<Recorder<P>>, h: &mut Recorder<P>) -> u64 {
    let before = event_loop.turns();
    while h.fired.is_empty() {
        event_loop.run_once(h, None).unwrap();
        assert!(event_loop.turns() - before < 50, "the loop keeps waking up");
    }
    event_loop.turns() - before
}

#[test]
fn the_loop_sleeps_until_the_deadline_without_periodic_wakeups() {
    let mut event_loop = EventLoop::new().unwrap();
    let mut h = Recorder { fired: Vec::new() };
    event_loop.timeout((), Duration::from_millis(200)).unwrap();
    let turns = turns_until_fired(&mut event_loop, &mut h);
    // One sleep to the deadline's slot of the wheel and one to the deadline.
    assert!((1..=2).contains(&turns), "{turns} turns for one timeout");
}

#[test]
fn the_real_clock_fires_not_before_the_deadline() {
    let mut event_loop = EventLoop::new().unwrap();
    let mut h = Recorder { fired: Vec::new() };
    let start = Instant::now();
    event_loop.timeout((), Duration::from_millis(50)).unwrap();
    turns_until_fired(&mut event_loop, &mut h);
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(50), "fired after {took:?}");
    assert!(took < Duration::from_secs(2), "fired after {took:?}");
}
