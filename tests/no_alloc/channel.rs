//! Zero allocations in steady state for the channel: after a warm-up, 10,000
//! messages sent (half from the loop thread through a `Sender`, half from
//! another thread while the loop sleeps and wakes in `run`) and received
//! allocate nothing.
//!
//! The counting global allocator counts `alloc`, `alloc_zeroed` and `realloc`
//! on the two threads taking part, each in its own measured window (so the
//! test harness's threads and the other tests cannot disturb the figure).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use mio::{EventLoop, EventLoopConfig, Handler, NotifyError, Sender};

use crate::alloc_counter::allocations_in;

/// Counts messages and stops the loop at `stop_at`.
struct Counter {
    got: u64,
    stop_at: u64,
}

impl Handler for Counter {
    type Timeout = ();
    type Message = u64;

    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u64) {
        assert_eq!(msg, self.got, "out of order");
        self.got += 1;
        if self.got == self.stop_at {
            event_loop.shutdown();
        }
    }
}

/// Sends `from..to` from the loop thread in batches of at most `batch`,
/// draining each batch with non-blocking turns.
fn send_from_loop_thread(
    event_loop: &mut EventLoop<Counter>,
    counter: &mut Counter,
    sender: &Sender<u64>,
    from: u64,
    to: u64,
) {
    let batch = 1_000;
    let mut next = from;
    while next < to {
        let end = (next + batch).min(to);
        for m in next..end {
            sender.send(m).expect("queue has room for a batch");
        }
        while counter.got < end {
            event_loop.run_once(counter, Some(Duration::ZERO)).expect("run_once");
        }
        next = end;
    }
}

/// Sends `from..to` from a non-loop thread, retrying on `Full`.
fn send_remote(sender: &Sender<u64>, from: u64, to: u64) {
    for m in from..to {
        let mut msg = m;
        loop {
            match sender.send(msg) {
                Ok(()) => break,
                Err(NotifyError::Full(back)) => {
                    msg = back;
                    thread::yield_now();
                }
                Err(e) => panic!("send: {e}"),
            }
        }
    }
}

/// Phases, for the remote thread (an atomic: no lock, no allocation).
const WARM_UP: u8 = 1;
const MEASURE: u8 = 2;
const DONE: u8 = 3;

#[test]
fn sending_and_receiving_messages_allocates_nothing_in_steady_state() {
    const WARM: u64 = 2_000;
    const HALF: u64 = 5_000;
    let mut config = EventLoopConfig::new();
    config.notify_capacity(1_024).messages_per_tick(64);
    let mut event_loop = EventLoop::<Counter>::configured(config).unwrap();
    let local = event_loop.channel();
    let remote = event_loop.channel();
    let phase = Arc::new(AtomicU8::new(0));
    let remote_thread = {
        let phase = Arc::clone(&phase);
        thread::spawn(move || {
            let wait_for = |p: u8| {
                while phase.load(Ordering::Acquire) != p {
                    thread::yield_now();
                }
            };
            wait_for(WARM_UP);
            send_remote(&remote, WARM, 2 * WARM);
            wait_for(MEASURE);
            let allocations = allocations_in(|| send_remote(&remote, 2 * WARM + HALF, 2 * WARM + 2 * HALF));
            wait_for(DONE);
            allocations
        })
    };
    let mut counter = Counter { got: 0, stop_at: u64::MAX };

    // Warm-up: the same work, unmeasured.
    send_from_loop_thread(&mut event_loop, &mut counter, &local, 0, WARM);
    counter.stop_at = 2 * WARM;
    phase.store(WARM_UP, Ordering::Release);
    event_loop.run(&mut counter).unwrap();

    // Measured: 5,000 messages from the loop thread, then 5,000 from the
    // other one while the loop runs (sleeping and woken through the waker).
    let loop_thread = allocations_in(|| {
        send_from_loop_thread(&mut event_loop, &mut counter, &local, 2 * WARM, 2 * WARM + HALF);
        counter.stop_at = 2 * WARM + 2 * HALF;
        phase.store(MEASURE, Ordering::Release);
        event_loop.run(&mut counter).unwrap();
    });

    phase.store(DONE, Ordering::Release);
    let allocations = loop_thread + remote_thread.join().unwrap();
    println!(
        "{} messages in the window: {allocations} allocations, {} waker writes in total",
        2 * HALF,
        event_loop.channel_wakeups()
    );
    assert_eq!(counter.got, 2 * WARM + 2 * HALF);
    assert_eq!(allocations, 0, "{allocations} allocations while sending and receiving {} messages", 2 * HALF);
}
