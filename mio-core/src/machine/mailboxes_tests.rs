use super::{Mailboxes, SendError};
use crate::machine::Address;

#[test]
fn a_full_mailbox_hands_the_value_back_and_order_is_kept() {
    let mut boxes = Mailboxes::new(2, 3);
    let to = Address::new(1, 4);
    for n in 0..3 {
        boxes.push(to, n).unwrap();
    }
    assert_eq!(boxes.push(to, 99), Err(SendError::Full(99)));
    assert_eq!(boxes.len(to), 3);
    assert_eq!(boxes.pop(to), Some(0));
    boxes.push(to, 3).unwrap(); // wraps around the ring
    assert_eq!([boxes.pop(to), boxes.pop(to), boxes.pop(to), boxes.pop(to)], [Some(1), Some(2), Some(3), None]);
}

#[test]
fn the_next_machine_of_a_slot_never_sees_its_predecessors_values() {
    let mut boxes = Mailboxes::new(1, 2);
    let old = Address::new(0, 1);
    let new = Address::new(0, 2);
    boxes.push(old, "for old").unwrap();
    assert_eq!(boxes.pop(new), None);
    assert_eq!(boxes.len(new), 0);
    boxes.push(new, "for new").unwrap();
    assert_eq!(boxes.pop(old), None, "the old machine's values were dropped");
    assert_eq!(boxes.pop(new), Some("for new"));
}

#[test]
fn a_token_beyond_the_mailboxes_is_refused_and_discard_drops_values() {
    let mut chars = Mailboxes::new(1, 1);
    assert_eq!(chars.push(Address::new(5, 0), 'x'), Err(SendError::NoMailbox('x')));
    let mut boxes = Mailboxes::new(1, 1);
    assert_eq!(SendError::Gone('y').into_inner(), 'y');
    let to = Address::new(0, 0);
    let value = std::rc::Rc::new(());
    boxes.push(to, value.clone()).unwrap();
    boxes.discard(to);
    assert_eq!(std::rc::Rc::strong_count(&value), 1, "dropped at once");
    assert!(boxes.is_empty(to));
}
