//! Unit tests of the loop's decision to sleep (`Receiver::poll_or_sleep`)
//! and the senders' half of the handshake, one thread, with the real waker:
//! the `poll` closure stands for the loop's poll, and sends made inside it
//! are sends during the poll.

use std::time::Duration;

use crate::channel::{channel, Receiver};
use crate::{Events, Poll, Token};

const LONG: Duration = Duration::from_secs(30);

/// Whether a poll now would report the channel's waker.
fn waker_fired(poll: &Poll) -> bool {
    let mut events = Events::with_capacity(4);
    poll.poll(&mut events, Some(Duration::ZERO)).expect("poll");
    events.iter().any(|ev| ev.token() == Token::RESERVED)
}

fn registered(rx: &Receiver<u32>) -> Poll {
    let poll = Poll::new().expect("Poll::new");
    rx.register(&poll).expect("register the waker");
    poll
}

#[test]
fn an_empty_queue_sleeps_and_the_first_send_during_the_sleep_wakes_it_once() {
    let (tx, mut rx) = channel::<u32>(4).expect("channel");
    let poll = registered(&rx);
    rx.poll_or_sleep(Some(LONG), |wait| {
        assert_eq!(wait, Some(LONG), "nothing queued: the caller's timeout");
        tx.send(1).unwrap();
        tx.send(2).unwrap();
    });
    assert_eq!(rx.wakeups(), 1, "two sends during one sleep: one waker write");
    assert!(waker_fired(&poll));
    rx.drain_waker();
    assert!(!waker_fired(&poll), "drained");
    // Awake again: sends only queue.
    tx.send(3).unwrap();
    assert_eq!(rx.wakeups(), 1);
    assert_eq!([rx.try_recv(), rx.try_recv(), rx.try_recv()], [Some(1), Some(2), Some(3)]);
}

#[test]
fn a_ready_message_means_no_wait_and_no_announced_sleep() {
    let (tx, mut rx) = channel::<u32>(4).expect("channel");
    tx.send(1).unwrap();
    rx.poll_or_sleep(None, |wait| {
        assert_eq!(wait, Some(Duration::ZERO), "a message is ready");
        tx.send(2).unwrap();
    });
    assert_eq!(rx.wakeups(), 0, "the loop never said it sleeps");
    assert_eq!([rx.try_recv(), rx.try_recv()], [Some(1), Some(2)]);
}

#[test]
fn a_zero_timeout_polls_without_announcing_a_sleep() {
    let (tx, rx) = channel::<u32>(4).expect("channel");
    rx.poll_or_sleep(Some(Duration::ZERO), |wait| {
        assert_eq!(wait, Some(Duration::ZERO));
        tx.send(1).unwrap();
    });
    assert_eq!(rx.wakeups(), 0);
}

#[test]
fn a_sender_stalled_mid_write_means_naps_not_a_sleep() {
    let (tx, mut rx) = channel::<u32>(4).expect("channel");
    let poll = registered(&rx);
    let stalled = tx.claim_unwritten().expect("room");
    for (timeout, nap) in [
        (None, Duration::from_millis(1)),
        (Some(LONG), Duration::from_millis(1)),
        (Some(Duration::from_micros(100)), Duration::from_micros(100)),
    ] {
        rx.poll_or_sleep(timeout, |wait| assert_eq!(wait, Some(nap), "timeout {timeout:?}"));
        assert_eq!(rx.try_recv(), None, "not written yet");
    }
    // The loop is awake between its naps: finishing the send writes no waker.
    stalled.finish(1).unwrap();
    assert_eq!(rx.wakeups(), 0);
    assert!(!waker_fired(&poll));
    rx.poll_or_sleep(None, |wait| assert_eq!(wait, Some(Duration::ZERO), "ready now"));
    assert_eq!(rx.try_recv(), Some(1));
}

#[test]
fn a_loop_waiting_for_a_stalled_sender_never_blocks_longer_than_a_nap() {
    // The message becomes ready 20 ms later, on another thread.
    let (tx, mut rx) = channel::<u32>(4).expect("channel");
    let stalled = tx.claim_unwritten().expect("room");
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            stalled.finish(7).unwrap();
        });
        let mut waits = Vec::new();
        while rx.try_recv().is_none() {
            rx.poll_or_sleep(None, |wait| waits.push(wait));
        }
        assert!(waits.iter().all(|w| w.is_some_and(|w| w <= Duration::from_millis(1))), "{waits:?}");
    });
}
