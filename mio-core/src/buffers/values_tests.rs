use std::io::IoSlice;

use bytes::Bytes;

use super::{QueueHead, Values, MAX_SLICES};

fn gathered(values: &Values, queue: QueueHead, buffered: &[u8]) -> Vec<u8> {
    let mut out = [IoSlice::new(&[]); MAX_SLICES];
    let n = values.gather(queue, buffered, &mut out);
    out[..n].iter().flat_map(|s| s.iter().copied()).collect()
}

#[test]
fn values_interleave_with_the_buffered_bytes_around_them() {
    let mut values = Values::new(8, 4);
    let mut queue = QueueHead::EMPTY;
    // "$5\r\n" buffered, then the value, then "\r\n" buffered after it.
    values.push(&mut queue, 1, Bytes::from_static(b"hello"), 4).unwrap();
    assert_eq!(gathered(&values, queue, b"$5\r\n\r\n"), b"$5\r\nhello\r\n");
    assert_eq!(values.queued_bytes(queue), 5);
}

#[test]
fn a_partial_write_resumes_inside_a_value() {
    let mut values = Values::new(8, 4);
    let mut queue = QueueHead::EMPTY;
    values.push(&mut queue, 1, Bytes::from_static(b"abcdef"), 2).unwrap();
    values.push(&mut queue, 1, Bytes::from_static(b"XY"), 3).unwrap();
    let mut buffered: &[u8] = b"12-3";
    assert_eq!(gathered(&values, queue, buffered), b"12abcdef-XY3");
    // 5 bytes written: "12abc"; 2 of them were buffered.
    assert_eq!(values.consume(&mut queue, 5), 2);
    buffered = &buffered[2..];
    assert_eq!(gathered(&values, queue, buffered), b"def-XY3");
    // "def-XY" written: the first value, one buffered byte, the second.
    assert_eq!(values.consume(&mut queue, 6), 1);
    buffered = &buffered[1..];
    assert_eq!(queue, QueueHead::EMPTY);
    assert_eq!(gathered(&values, queue, buffered), b"3");
    assert_eq!(values.free(), 8);
}

#[test]
fn a_full_queue_hands_the_value_back() {
    let mut values = Values::new(8, 2);
    let mut queue = QueueHead::EMPTY;
    values.push(&mut queue, 1, Bytes::from_static(b"a"), 0).unwrap();
    values.push(&mut queue, 1, Bytes::from_static(b"b"), 0).unwrap();
    assert_eq!(values.push(&mut queue, 1, Bytes::from_static(b"c"), 0), Err(Bytes::from_static(b"c")));
    // The table bounds all connections together.
    let mut small = Values::new(1, 4);
    let mut q = QueueHead::EMPTY;
    small.push(&mut q, 1, Bytes::from_static(b"a"), 0).unwrap();
    let mut other = QueueHead::EMPTY;
    assert!(small.push(&mut other, 2, Bytes::from_static(b"b"), 0).is_err());
}

#[test]
fn clear_and_reclaim_give_every_entry_back() {
    let mut values = Values::new(4, 4);
    let (mut a, mut b) = (QueueHead::EMPTY, QueueHead::EMPTY);
    values.push(&mut a, 1, Bytes::from_static(b"x"), 0).unwrap();
    values.push(&mut b, 2, Bytes::from_static(b"y"), 0).unwrap();
    values.push(&mut b, 2, Bytes::from_static(b"z"), 0).unwrap();
    values.clear(&mut a);
    assert_eq!((a, values.free()), (QueueHead::EMPTY, 2));
    assert!(values.holds_any(2));
    assert_eq!(values.reclaim(2), 2);
    assert_eq!(values.free(), 4);
}
