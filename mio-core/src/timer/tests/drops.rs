//! Payloads are dropped exactly once: on fire, on cancel, with the wheel.

use std::cell::Cell;
use std::rc::Rc;

use crate::timer::TimerWheel;

#[derive(Debug)]
struct Counted(Rc<Cell<u32>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn every_payload_is_dropped_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    let new = || Counted(drops.clone());
    let mut wheel = TimerWheel::new(8, 4096);
    wheel.insert(5, new()).unwrap();
    let cancelled = wheel.insert(50, new()).unwrap();
    wheel.insert(100, new()).unwrap(); // still in a level when dropped
    wheel.insert(1 << 30, new()).unwrap(); // still in overflow when dropped
    wheel.insert(7, new()).unwrap(); // still pending when dropped

    let fired = wheel.poll(10).unwrap();
    assert_eq!(drops.get(), 0);
    drop(fired);
    assert_eq!(drops.get(), 1);

    let payload = wheel.cancel(cancelled).unwrap();
    assert!(wheel.cancel(cancelled).is_none());
    drop(payload);
    assert_eq!(drops.get(), 2);

    let mut full = TimerWheel::with_capacity(0);
    let (_, back) = full.insert(1, new()).unwrap_err();
    drop(back);
    assert_eq!(drops.get(), 3);

    assert_eq!(wheel.len(), 3);
    drop(wheel);
    assert_eq!(drops.get(), 6);
    assert_eq!(Rc::strong_count(&drops), 1);
}
