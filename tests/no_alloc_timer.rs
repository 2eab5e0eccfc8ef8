//! Zero allocations in steady state for timers: after a warm-up, thousands
//! of timeouts set (near, far, and beyond the wheel's levels), cleared and
//! fired through the `EventLoop` allocate nothing.
//!
//! A counting global allocator counts `alloc`, `alloc_zeroed` and `realloc`
//! made by this test's thread while the measured window is open.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mio::timer::ManualClock;
use mio::{EventLoop, EventLoopConfig, Handler, Timeout};

/// Allocations seen in the window.
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's window is open. `const` and without a
    /// destructor, so reading it never allocates.
    static MEASURED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if MEASURED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

/// The system allocator, counting.
struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; counting touches only an
// atomic and a const thread-local, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` came from `System` through this allocator with `layout`;
        // the caller upholds `realloc`'s contract for `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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

    MEASURED.with(|m| m.set(true));
    round(&mut event_loop, &clock, &mut h, &mut handles);
    MEASURED.with(|m| m.set(false));

    assert!(h.fired - before >= 2000, "only {} fired", h.fired - before);
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 0, "timers allocated in steady state");
}
