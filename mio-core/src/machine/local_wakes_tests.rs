use super::LocalWakes;
use crate::machine::{Address, Gone};

#[test]
fn wakes_of_one_machine_coalesce() {
    let mut wakes = LocalWakes::new(4);
    let a = Address::new(1, 7);
    wakes.born(a);
    for _ in 0..10 {
        assert_eq!(wakes.wake(a), Ok(()));
    }
    assert_eq!(wakes.len(), 1);
    assert_eq!(wakes.pop(), Some(a));
    assert_eq!(wakes.pop(), None);
}

#[test]
fn a_stale_address_is_gone_and_never_reaches_the_next_machine() {
    let mut wakes = LocalWakes::new(4);
    let old = Address::new(2, 1);
    wakes.born(old);
    wakes.died(2);
    assert_eq!(wakes.wake(old), Err(Gone));
    let new = Address::new(2, 5);
    wakes.born(new);
    assert_eq!(wakes.wake(old), Err(Gone), "the token is reused; the old address is still gone");
    assert_eq!(wakes.len(), 0);
    assert_eq!(Address::new(9, 0).slot(), 9);
    assert_eq!(wakes.wake(Address::new(9, 0)), Err(Gone), "beyond the table");
}

#[test]
fn a_queued_wake_of_an_ended_machine_goes_to_nobody() {
    let mut wakes = LocalWakes::new(4);
    let old = Address::new(0, 1);
    wakes.born(old);
    wakes.wake(old).unwrap();
    wakes.died(0);
    let new = Address::new(0, 2);
    wakes.born(new);
    // The slot is queued once; the wake-up is now for the new machine only
    // if it is woken itself.
    assert_eq!(wakes.pop(), Some(old), "delivered to the old generation: the table drops it");
    wakes.wake(old).unwrap_err();
    wakes.wake(new).unwrap();
    wakes.wake(new).unwrap();
    assert_eq!((wakes.len(), wakes.pop()), (1, Some(new)));
}

#[test]
fn the_queue_never_outgrows_the_machines() {
    let mut wakes = LocalWakes::new(3);
    let all = [Address::new(0, 0), Address::new(1, 1), Address::new(2, 2)];
    for &a in &all {
        wakes.born(a);
    }
    let capacity = wakes.queue.capacity();
    for _ in 0..5 {
        for &a in &all {
            wakes.wake(a).unwrap();
        }
    }
    assert_eq!((wakes.len(), wakes.queue.capacity()), (3, capacity));
    wakes.clear();
    assert_eq!(wakes.wake(all[0]), Err(Gone));
}
