//! Loom models of the sleep handshake (`wake_state.rs`): senders racing the
//! loop's decision to sleep, through the real `Sender::send` and
//! `Receiver::poll_or_sleep`.
//!
//! The model's loop turns as `EventLoop::run` does: one poll through
//! `poll_or_sleep`, the waker reset if the poll reports it, then the ready
//! messages taken. Its poll, told that it may block without limit, blocks
//! until the waker is readable (the model waker of `crate::loom`); told a
//! bounded wait, it lets that time pass (a yield, where loom runs the other
//! threads) and returns. So a lost wake-up leaves the loop blocked with
//! every sender done, and loom fails the model with a deadlock.

use std::time::Duration;

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

use crate::channel::{channel, Receiver, Sender};

/// What the model's loop did.
#[derive(Debug, Default)]
struct Turns {
    /// The messages, in the order taken.
    got: Vec<u32>,
    /// How many polls it made; each announces at most one sleep.
    polls: u64,
    /// How many of them could block without limit.
    sleeps: u64,
}

/// One poll of the model's loop, with the caller's `timeout` (`None`: no
/// timer pending). Returns the wait that `poll_or_sleep` chose.
fn poll_once(rx: &Receiver<u32>, timeout: Option<Duration>, turns: &mut Turns) -> Option<Duration> {
    let chosen = rx.poll_or_sleep(timeout, |wait| {
        match wait {
            None => rx.waker().wait(),
            // Zero, a nap or a timer's timeout: time passes, nobody wakes us.
            Some(_) => thread::yield_now(),
        }
        wait
    });
    turns.polls += 1;
    turns.sleeps += u64::from(chosen.is_none());
    if rx.waker().is_readable() {
        rx.drain_waker();
    }
    chosen
}

/// Turns until `n` messages came in; the first poll waits at most `first`
/// (a timer's timeout), the others without limit.
fn run_loop(rx: &mut Receiver<u32>, n: usize, first: Option<Duration>) -> Turns {
    let mut turns = Turns::default();
    let mut timeout = first;
    while turns.got.len() < n {
        poll_once(rx, timeout.take(), &mut turns);
        while let Some(msg) = rx.try_recv() {
            turns.got.push(msg);
        }
    }
    turns
}

/// Sends `msg` from a new thread.
fn spawn_send(tx: &Sender<u32>, msg: u32) -> thread::JoinHandle<()> {
    let tx = tx.clone();
    thread::spawn(move || tx.send(msg).expect("room and a live loop"))
}

/// Every message arrived, each sleep was ended by a waker write (or the
/// model would have deadlocked), and no announced sleep cost more than one
/// write.
fn check(turns: &Turns, rx: &Receiver<u32>, mut expected: Vec<u32>) {
    let mut got = turns.got.clone();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "lost or duplicated: {turns:?}");
    assert!(rx.wakeups() <= turns.polls, "more waker writes than announced sleeps: {turns:?}");
}

/// No lost wake-up: one send races the loop's decision to sleep, at every
/// point of it (before the loop looks, between its announcement and its
/// last check, during the sleep).
#[test]
fn loom_a_send_never_leaves_the_loop_asleep() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(1).expect("channel");
        let sender = spawn_send(&tx, 1);
        let turns = run_loop(&mut rx, 1, None);
        sender.join().unwrap();
        check(&turns, &rx, vec![1]);
    });
}

/// Two sends race one sleep: both arrive, and only one of them writes the
/// waker for it (the other sees `NOTIFIED`, or the loop awake).
#[test]
fn loom_two_sends_wake_one_sleep_once() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(2).expect("channel");
        let senders = [spawn_send(&tx, 1), spawn_send(&tx, 2)];
        let turns = run_loop(&mut rx, 2, None);
        for sender in senders {
            sender.join().unwrap();
        }
        check(&turns, &rx, vec![1, 2]);
    });
}

/// The loop's first poll ends by its timeout (a timer), and its store of
/// `AWAKE` races the sender's read of the state and swap to `NOTIFIED`: the
/// message still arrives, and a write left over from the timed-out sleep
/// only makes a later poll return at once.
#[test]
fn loom_a_sleep_ended_by_a_timer_races_a_send() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(1).expect("channel");
        let sender = spawn_send(&tx, 1);
        let turns = run_loop(&mut rx, 1, Some(Duration::from_millis(5)));
        sender.join().unwrap();
        check(&turns, &rx, vec![1]);
    });
}

/// No sleep with a message ready: a message whose send finished before the
/// loop's turn began (the flag carries that order) makes the loop poll
/// without waiting, and without announcing a sleep, so no waker write.
#[test]
fn loom_no_sleep_with_a_message_ready() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(1).expect("channel");
        let sent = Arc::new(AtomicBool::new(false));
        let sender = {
            let (tx, sent) = (tx.clone(), Arc::clone(&sent));
            thread::spawn(move || {
                tx.send(1).expect("room and a live loop");
                sent.store(true, Ordering::Release);
            })
        };
        let mut turns = Turns::default();
        while turns.got.is_empty() {
            let was_sent = sent.load(Ordering::Acquire);
            let wait = poll_once(&rx, None, &mut turns);
            if was_sent {
                assert_eq!(wait, Some(Duration::ZERO), "waited with a message ready: {turns:?}");
                assert_eq!(rx.wakeups(), 0, "woken for a message it found ready");
            }
            turns.got.extend(rx.try_recv());
        }
        sender.join().unwrap();
        check(&turns, &rx, vec![1]);
    });
}

/// A busy loop costs senders no system call: while a message is ready, the
/// loop polls without announcing a sleep, so a send racing that turn finds
/// it awake and writes no waker.
#[test]
fn loom_sends_to_a_loop_with_messages_ready_write_no_waker() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(2).expect("channel");
        tx.send(1).expect("room");
        let sender = spawn_send(&tx, 2);
        let mut turns = Turns::default();
        let wait = poll_once(&rx, None, &mut turns);
        assert_eq!(wait, Some(Duration::ZERO), "a message was ready");
        assert_eq!(rx.wakeups(), 0, "a send during a turn with a message ready wrote the waker");
        turns.got.extend(rx.try_recv());
        while turns.got.len() < 2 {
            poll_once(&rx, None, &mut turns);
            turns.got.extend(rx.try_recv());
        }
        sender.join().unwrap();
        check(&turns, &rx, vec![1, 2]);
    });
}

/// A sender stalled between claiming its slot and writing its message (it
/// yields there, so loom runs the loop through it), with a second message
/// queued behind it: the loop never blocks on it without limit (that
/// sender may have seen the loop awake and will not wake it), and both
/// messages arrive in claim order.
#[test]
fn loom_a_stalled_sender_neither_blocks_the_loop_nor_loses_a_message() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u32>(2).expect("channel");
        let stalled = {
            let tx = tx.clone();
            thread::spawn(move || {
                let claimed = tx.claim_unwritten().expect("room");
                thread::yield_now();
                claimed.finish(1).expect("a live loop");
            })
        };
        let behind = spawn_send(&tx, 2);
        let turns = run_loop(&mut rx, 2, None);
        stalled.join().unwrap();
        behind.join().unwrap();
        check(&turns, &rx, vec![1, 2]);
    });
}
