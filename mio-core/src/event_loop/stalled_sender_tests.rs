//! A sender descheduled between claiming its slot and writing its message
//! saw the loop awake, so it will not wake it: the loop must neither block
//! on the poll nor lose the message (nor the ones queued behind it).

use std::time::{Duration, Instant};

use super::EventLoop;
use crate::Handler;

#[derive(Default)]
struct Got(Vec<u32>);

impl Handler for Got {
    type Timeout = ();
    type Message = u32;

    fn notify(&mut self, _: &mut EventLoop<Got>, msg: u32) {
        self.0.push(msg);
    }
}

#[test]
fn a_sender_stalled_mid_send_neither_blocks_the_loop_nor_loses_its_message() {
    let mut event_loop = EventLoop::<Got>::new().expect("EventLoop::new");
    let sender = event_loop.channel();
    let mut got = Got::default();
    let stalled = sender.claim_unwritten().expect("room for one message");
    sender.send(2).expect("queued behind the stalled one");

    // Blocking here would last the whole (long) timeout: nobody writes the
    // waker. The loop polls at a short interval instead.
    let long = Duration::from_secs(30);
    let t0 = Instant::now();
    event_loop.run_once(&mut got, Some(long)).expect("run_once");
    assert!(t0.elapsed() < long / 3, "the loop slept on a stalled sender");
    assert!(got.0.is_empty(), "nothing is ready before the stalled message");

    stalled.finish(1).expect("finish the stalled send");
    event_loop.run_once(&mut got, Some(long)).expect("run_once");
    assert_eq!(got.0, [1, 2]);
}
