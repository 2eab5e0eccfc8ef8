use super::{Broadcast, Lagged, NoSlot};
use crate::machine::Address;

fn read_all(b: &mut Broadcast<u32>, me: Address) -> Result<Vec<u32>, Lagged> {
    let mut got = Vec::new();
    b.read(me, |&v| {
        got.push(v);
        true
    })?;
    Ok(got)
}

#[test]
fn a_slow_reader_lags_with_the_count_of_what_it_lost() {
    let mut b = Broadcast::new(4, 3);
    let reader = Address::new(1, 0);
    b.subscribe(reader).unwrap();
    for v in 0..5 {
        b.push(None, v);
    }
    assert_eq!(b.unread(reader), 5);
    assert_eq!(read_all(&mut b, reader), Err(Lagged(2)));
    assert_eq!(read_all(&mut b, reader), Ok(vec![2, 3, 4]), "on from the oldest kept");
    assert_eq!(read_all(&mut b, reader), Ok(vec![]));
}

#[test]
fn a_reader_that_stops_keeps_the_value_for_its_next_read() {
    let mut b = Broadcast::new(2, 8);
    let me = Address::new(0, 3);
    b.subscribe(me).unwrap();
    b.push(None, 1);
    b.push(None, 2);
    assert_eq!(b.read(me, |&v| v < 2), Ok(1));
    assert_eq!(read_all(&mut b, me), Ok(vec![2]));
}

#[test]
fn a_publisher_skips_its_own_values_and_does_not_lag_on_them() {
    let mut b = Broadcast::new(2, 2);
    let (talker, other) = (Address::new(0, 0), Address::new(1, 1));
    b.subscribe(talker).unwrap();
    b.subscribe(other).unwrap();
    for v in 0..10 {
        b.push(Some(talker), v);
    }
    assert_eq!(read_all(&mut b, talker), Ok(vec![]), "caught up: moved past its own");
    assert_eq!(read_all(&mut b, other), Err(Lagged(8)));
    b.push(Some(other), 100);
    b.push(Some(talker), 101);
    assert_eq!(read_all(&mut b, talker), Ok(vec![100]), "its own 101 skipped");
}

#[test]
fn subscriptions_follow_generations_and_slots() {
    let mut b = Broadcast::<u32>::new(2, 2);
    assert_eq!(b.subscribe(Address::new(2, 0)), Err(NoSlot));
    let (old, new) = (Address::new(1, 1), Address::new(1, 5));
    b.subscribe(Address::new(0, 0)).unwrap();
    b.subscribe(old).unwrap();
    b.subscribe(new).unwrap();
    assert_eq!(b.subscribers(), 2, "the slot's subscriber replaced in place");
    assert!(!b.is_subscribed(old) && b.is_subscribed(new));
    b.push(None, 7);
    assert_eq!(read_all(&mut b, old), Ok(vec![]));
    b.unsubscribe(Address::new(0, 0));
    assert_eq!(b.subscribers(), 1);
    assert_eq!(b.subscribed_address(0), new, "the moved subscriber's index was fixed");
    b.remove(1);
    assert_eq!(b.subscribers(), 0);
}
