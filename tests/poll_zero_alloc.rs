//! In steady state the selector allocates nothing, on every backend:
//! register, poll, IO up to `WouldBlock` (which re-arms an emulated edge
//! registration on poll(2)), reregister and deregister. One test per binary,
//! as the counting allocator is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mio::unix::pipe;
use mio::{EventSet, Events, Poll, PollOpt, Token};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to the system allocator unchanged; it only
// counts allocations made by the thread that switched counting on.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn register_poll_io_and_deregister_allocate_nothing() {
    let poll = Poll::with_registrations(64).unwrap();
    let mut events = Events::with_capacity(64);
    let (mut reader, mut writer) = pipe().unwrap();
    let (reader2, mut writer2) = pipe().unwrap();
    let mut buf = [0u8; 64];

    let mut turn = |count: bool| {
        COUNTING.with(|c| c.set(count));
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
        COUNTING.with(|c| c.set(false));
    };

    // The counter sees this thread's allocations.
    let start = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    drop(std::hint::black_box(Box::new(1u8)));
    COUNTING.with(|c| c.set(false));
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), start + 1);

    turn(false);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..100 {
        turn(true);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(allocations, 0, "{} allocations in 100 turns on {}", allocations, Poll::backend());
}
