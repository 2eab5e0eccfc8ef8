//! Zero allocations in steady state for timers: after a warm-up, thousands
//! of timeouts set (near, far, and beyond the wheel's levels), cleared and
//! fired through the `EventLoop` allocate nothing.
//!
//! The counting global allocator counts `alloc`, `alloc_zeroed` and `realloc`
//! made by this test's thread while the measured window is open.

use std::time::Duration;

use mio::timer::ManualClock;
use mio::{EventLoop, EventLoopConfig, Handler, Timeout};

use crate::alloc_counter::allocations_in;

/// Counts fired timeouts; re-arms each one set by `round` (payloads that are
/// multiples of 10) once more from inside the handler.
struct Rearm {
    fired: u64,
}

impl Handler for Rearm {
    type Timeout = u64;
    type Message = ();

    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, n: u64) {
        self.fired += 1;
        if n.is_multiple_of(10) {
            event_loop.timeout(n + 1, Duration::from_millis(n % 977)).expect("capacity");
        }
    }
}

/// One round: set `n` timeouts, clear every other one, and fire the rest by
/// moving time in steps of 7 ms.
fn round(event_loop: &mut EventLoop<Rearm>, clock: &ManualClock, h: &mut Rearm, handles: &mut [Option<Timeout>]) {
    let n = handles.len() as u64;
    for (i, slot) in handles.iter_mut().enumerate() {
        let i = i as u64;
        let delay = match i % 5 {
            0 => Duration::from_millis(i % 64),
            1 => Duration::from_millis(i * 37 % 5000),
            2 => Duration::from_secs(i % 7200),
            3 => Duration::from_secs(86_400 * 365 * 3), // beyond the wheel (1 << 18 rounds up to 4096^2 ticks)
            _ => Duration::from_millis(i * 7919 % 400_000),
        };
        *slot = Some(event_loop.timeout(i * 10 + n, delay).expect("capacity"));
    }
    for slot in handles.iter_mut().step_by(2) {
        assert!(event_loop.clear_timeout(slot.take().unwrap()));
    }
    for _ in 0..2000 {
        clock.advance(Duration::from_millis(7));
        event_loop.run_once(h, Some(Duration::ZERO)).unwrap();
    }
    clock.advance(Duration::from_secs(86_400 * 365 * 4));
    event_loop.run_once(h, Some(Duration::ZERO)).unwrap();
    event_loop.run_once(h, Some(Duration::ZERO)).unwrap();
}

#[test]
fn setting_clearing_and_firing_timers_allocates_nothing() {
    let clock = ManualClock::new();
    let mut config = EventLoopConfig::new();
    config.clock(clock.clone()).timer_capacity(8192).timer_wheel_size(1 << 18);
    let mut event_loop = EventLoop::configured(config).unwrap();
    let mut h = Rearm { fired: 0 };
    let mut handles = vec![None; 4000];

    round(&mut event_loop, &clock, &mut h, &mut handles); // warm-up
    let before = h.fired;

    let allocations = allocations_in(|| round(&mut event_loop, &clock, &mut h, &mut handles));

    assert!(h.fired - before >= 2000, "only {} fired", h.fired - before);
    assert_eq!(allocations, 0, "timers allocated in steady state");
}
