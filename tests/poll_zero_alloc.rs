//! In steady state the selector allocates nothing, on every backend:
//! register, poll, IO up to `WouldBlock` (which re-arms an emulated edge
//! registration on poll(2)), reregister and deregister. The counting
//! allocator of `alloc_counter` counts only this test's thread.

mod alloc_counter;

use std::io::{self, Read, Write};
use std::time::Duration;

use alloc_counter::allocations_in;
use mio::unix::pipe;
use mio::{EventSet, Events, Poll, PollOpt, Token};

#[global_allocator]
static GLOBAL: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

#[test]
fn register_poll_io_and_deregister_allocate_nothing() {
    let poll = Poll::with_registrations(64).unwrap();
    let mut events = Events::with_capacity(64);
    let (mut reader, mut writer) = pipe().unwrap();
    let (reader2, mut writer2) = pipe().unwrap();
    let mut buf = [0u8; 64];

    let mut turn = || {
        poll.register(&reader, Token(1), EventSet::readable(), PollOpt::edge()).unwrap();
        poll.register(&reader2, Token(2), EventSet::readable(), PollOpt::level() | PollOpt::oneshot()).unwrap();
        writer.write_all(b"ping").unwrap();
        writer2.write_all(b"pong").unwrap();
        let mut seen = 0;
        while seen != 0b11 {
            poll.poll(&mut events, Some(Duration::from_secs(5))).unwrap();
            for ev in &events {
                seen |= 1 << (ev.token().0 - 1);
            }
        }
        // Read to WouldBlock: re-arms the edge registration on poll(2).
        loop {
            match reader.read(&mut buf) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        (&reader2).read_exact(&mut buf[..4]).unwrap();
        poll.reregister(&reader2, Token(2), EventSet::readable(), PollOpt::edge()).unwrap();
        poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
        poll.deregister(&reader).unwrap();
        poll.deregister(&reader2).unwrap();
    };

    // The counter sees this thread's allocations.
    assert_eq!(allocations_in(|| drop(std::hint::black_box(Box::new(1u8)))), 1);

    turn();
    let allocations = allocations_in(|| {
        for _ in 0..100 {
            turn();
        }
    });
    assert_eq!(allocations, 0, "{} allocations in 100 turns on {}", allocations, Poll::backend());
}
