//! Zero allocations at runtime in the event loop's steady state: after
//! warm-up, 10,000 echo round trips through `EventLoop` + `Handler` over TCP,
//! the machine and stream layers (below), the relay (`relay`), timers
//! (`timer`), channel messages (`channel`), messages between machines
//! (`messaging`) and outbound connections (`connect`: refused attempts,
//! connect/disconnect cycles) allocate nothing.
//!
//! The counting `#[global_allocator]` of `alloc_counter` counts per thread and
//! only inside a measured window, so these tests may run in parallel.

mod alloc_counter;
mod util;

#[path = "no_alloc/channel.rs"]
mod channel;
#[path = "no_alloc/connect.rs"]
mod connect;
#[path = "no_alloc/messaging.rs"]
mod messaging;
#[path = "no_alloc/relay.rs"]
mod relay;
#[path = "no_alloc/timer.rs"]
mod timer;

use std::io::{self, Read, Write};
use std::time::Duration;

use alloc_counter::allocations_in;
use mio::tcp::{TcpListener, TcpStream};
use mio::{EventLoop, EventSet, Handler, PollOpt, Token};
use util::{localhost, run_until, Watchdog};

#[global_allocator]
static GLOBAL: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

const LISTENER: Token = Token(0);
const CLIENT: Token = Token(1);
const SERVER: Token = Token(2);
const MSG: usize = 64;

/// Fixed buffers only: the server echoes, the client sends the next message
/// when the previous one came back whole.
struct PingPong {
    listener: TcpListener,
    client: TcpStream,
    server: Option<TcpStream>,
    message: [u8; MSG],
    client_buf: [u8; MSG],
    client_len: usize,
    client_sent: usize,
    server_buf: [u8; 4096],
    server_len: usize,
    server_sent: usize,
    round_trips: usize,
}

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

impl PingPong {
    fn client_flush(&mut self) {
        while self.client_sent < MSG {
            match self.client.write(&self.message[self.client_sent..]) {
                Ok(n) => self.client_sent += n,
                Err(e) if would_block(&e) => return,
                Err(e) => panic!("client write: {e}"),
            }
        }
    }

    fn client_read(&mut self) {
        loop {
            match self.client.read(&mut self.client_buf[self.client_len..]) {
                Ok(0) => panic!("server closed"),
                Ok(n) => self.client_len += n,
                Err(e) if would_block(&e) => return,
                Err(e) => panic!("client read: {e}"),
            }
            if self.client_len == MSG {
                assert!(self.client_buf == self.message);
                self.round_trips += 1;
                self.message[0] = self.message[0].wrapping_add(1);
                self.client_len = 0;
                self.client_sent = 0;
                self.client_flush();
            }
        }
    }

    fn server_io(&mut self) {
        let Some(server) = self.server.as_mut() else { return };
        loop {
            if self.server_sent == self.server_len {
                self.server_sent = 0;
                self.server_len = 0;
                match server.read(&mut self.server_buf) {
                    Ok(0) => return,
                    Ok(n) => self.server_len = n,
                    Err(e) if would_block(&e) => return,
                    Err(e) => panic!("server read: {e}"),
                }
            }
            match server.write(&self.server_buf[self.server_sent..self.server_len]) {
                Ok(n) => self.server_sent += n,
                Err(e) if would_block(&e) => return,
                Err(e) => panic!("server write: {e}"),
            }
        }
    }
}

impl Handler for PingPong {
    type Timeout = ();
    type Message = ();

    fn ready(&mut self, event_loop: &mut EventLoop<Self>, token: Token, events: EventSet) {
        match token {
            LISTENER => {
                let (stream, _) = self.listener.accept().unwrap();
                stream.set_nodelay(true).unwrap();
                let interest = EventSet::readable() | EventSet::writable();
                event_loop.register(&stream, SERVER, interest, PollOpt::edge()).unwrap();
                self.server = Some(stream);
            }
            SERVER => self.server_io(),
            CLIENT => {
                if events.is_writable() {
                    self.client_flush();
                }
                if events.is_readable() {
                    self.client_read();
                }
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn echo_round_trips_allocate_nothing() {
    let _watchdog = Watchdog::new("no_alloc test", Duration::from_secs(120));
    assert!(allocations_in(|| drop(std::hint::black_box(Box::new(1u64)))) >= 1, "the counter must count");

    let mut event_loop = EventLoop::new().unwrap();
    let listener = TcpListener::bind(localhost()).unwrap();
    event_loop.register(&listener, LISTENER, EventSet::readable(), PollOpt::edge()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_nodelay(true).unwrap();
    event_loop.register(&client, CLIENT, EventSet::readable() | EventSet::writable(), PollOpt::edge()).unwrap();
    let mut handler = PingPong {
        listener,
        client,
        server: None,
        message: [7; MSG],
        client_buf: [0; MSG],
        client_len: 0,
        client_sent: 0,
        server_buf: [0; 4096],
        server_len: 0,
        server_sent: 0,
        round_trips: 0,
    };

    // Warm-up: connect, accept, and a hundred round trips.
    run_until(&mut event_loop, &mut handler, 100_000, |h| h.round_trips >= 100);

    const MEASURED: usize = 10_000;
    let target = handler.round_trips + MEASURED;
    let mut turns = 0;
    let allocations = allocations_in(|| {
        turns = run_until(&mut event_loop, &mut handler, 10 * MEASURED, |h| h.round_trips >= target);
    });
    if allocations != 0 {
        println!("{allocations} allocations in {MEASURED} round trips ({turns} turns)");
    }
    assert_eq!(allocations, 0, "{allocations} allocations in {MEASURED} round trips ({turns} turns)");
}

/// The machine and stream layers: an echo protocol with a deadline renewed
/// on every message (timer cancel + insert), driven by `Stream<P>` from the
/// buffer pool, with a wake-up from another thread every 100 messages.
mod stream_layer {
    use super::*;
    use mio::machine::{Loop, LoopConfig, Machine, Notifier, Scope};
    use mio::stream::{Intent, Protocol, Stream, Transport};
    use mio::unix::UnixStream;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Instant;

    struct Echo;

    #[derive(Default)]
    struct Ctx {
        echoed: usize,
        wakeups: usize,
        notifier: Option<Notifier>,
    }

    impl Protocol for Echo {
        type Context = Ctx;
        type Socket = UnixStream;
        fn create(_: &mut Transport<'_, UnixStream>, s: &mut Scope<'_, Ctx>) -> Intent<Self> {
            s.notifier = Some(s.notifier());
            Intent::of(Echo).deadline(s.now() + Duration::from_secs(60)).expect_bytes(1)
        }
        fn bytes_read(self, t: &mut Transport<'_, UnixStream>, _: usize, s: &mut Scope<'_, Ctx>) -> Intent<Self> {
            let (input, output) = t.buffers();
            let n = output.push(input.data());
            input.consume(n);
            s.echoed += n;
            Intent::of(Echo).deadline(Instant::now() + Duration::from_secs(60)).expect_bytes(1)
        }
        fn bytes_flushed(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Ctx>) -> Intent<Self> {
            Intent::of(Echo).expect_bytes(1)
        }
        fn timeout(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Ctx>) -> Intent<Self> {
            Intent::done()
        }
        fn wakeup(self, _: &mut Transport<'_, UnixStream>, s: &mut Scope<'_, Ctx>) -> Intent<Self> {
            s.wakeups += 1;
            Intent::of(self).unchanged()
        }
    }

    #[test]
    fn stream_echo_with_deadlines_and_wakeups_allocates_nothing() {
        let _watchdog = Watchdog::new("no_alloc stream test", Duration::from_secs(120));
        let mut lp = Loop::<Stream<Echo>>::new(&LoopConfig::new()).unwrap().instantiate(Ctx::default());
        let (ours, theirs) = UnixStream::pair().unwrap();
        lp.add_machine_with(|scope| <Stream<Echo> as Machine>::create(ours, scope)).unwrap();
        let notifier = lp.context().notifier.clone().unwrap();
        const WARMUP: usize = 1_000;
        const MEASURED: usize = 10_000;
        let done = Arc::new(AtomicBool::new(false));
        let client_done = Arc::clone(&done);
        let client = std::thread::spawn(move || {
            let mut peer = theirs;
            let msg = [5u8; MSG];
            let mut buf = [0u8; MSG];
            for i in 0..WARMUP + MEASURED {
                let mut sent = 0;
                while sent < MSG {
                    match peer.write(&msg[sent..]) {
                        Ok(n) => sent += n,
                        Err(e) if would_block(&e) => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
                let mut got = 0;
                while got < MSG {
                    match peer.read(&mut buf[got..]) {
                        Ok(0) => panic!("closed"),
                        Ok(n) => got += n,
                        Err(e) if would_block(&e) => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
                if i % 100 == 0 {
                    notifier.wakeup().unwrap();
                }
            }
            client_done.store(true, Ordering::Release);
        });
        let mut turns = 0;
        while lp.context().echoed < WARMUP * MSG {
            lp.run_once(Some(Duration::from_millis(10))).unwrap();
            turns += 1;
            assert!(turns < 1_000_000);
        }
        let allocations = allocations_in(|| {
            while !done.load(Ordering::Acquire) || lp.context().echoed < (WARMUP + MEASURED) * MSG {
                lp.run_once(Some(Duration::from_millis(10))).unwrap();
            }
        });
        client.join().unwrap();
        assert_eq!(lp.context().echoed, (WARMUP + MEASURED) * MSG);
        assert!(lp.context().wakeups >= 50, "wake-ups delivered: {}", lp.context().wakeups);
        assert_eq!(allocations, 0, "the stream layer allocated {allocations} times in steady state");
    }

    /// A drain: the connection is told (a round of its stream), goes on,
    /// and the loop stops at its end; then a drain that ends at its
    /// deadline.
    #[test]
    fn a_drain_allocates_nothing() {
        let _watchdog = Watchdog::new("no_alloc drain test", Duration::from_secs(120));
        for by_deadline in [false, true] {
            let mut lp = Loop::<Stream<Echo>>::new(&LoopConfig::new()).unwrap().instantiate(Ctx::default());
            let (ours, mut theirs) = UnixStream::pair().unwrap();
            lp.add_machine_with(|scope| <Stream<Echo> as Machine>::create(ours, scope)).unwrap();
            theirs.write_all(&[1; MSG]).unwrap();
            while lp.context().echoed < MSG {
                lp.run_once(Some(Duration::from_millis(10))).unwrap();
            }
            let deadline = Instant::now() + if by_deadline { Duration::ZERO } else { Duration::from_secs(60) };
            let allocations = allocations_in(|| {
                lp.drain(deadline);
                if !by_deadline {
                    drop(theirs);
                }
                while !lp.is_shutdown() {
                    lp.run_once(Some(Duration::from_millis(10))).unwrap();
                }
            });
            assert_eq!(lp.machine_count(), 0);
            assert_eq!(allocations, 0, "a drain allocated {allocations} times (by deadline: {by_deadline})");
        }
    }
}

/// Queued output values: each message is answered by a header pushed into
/// the buffer, a shared value queued (a `Bytes` clone of one stored value,
/// as a key-value server's GET does) and a trailer, written in one gathered
/// write. Steady state allocates nothing.
mod queued_values {
    use super::*;
    use mio::machine::{Loop, LoopConfig, Machine, Scope};
    use mio::stream::{Bytes, Intent, Protocol, Stream, Transport};
    use mio::unix::UnixStream;

    const VALUE: usize = 4096;
    const REPLY: usize = 1 + VALUE + 1;

    struct Get;

    struct Ctx {
        value: Bytes,
        replies: usize,
    }

    impl Protocol for Get {
        type Context = Ctx;
        type Socket = UnixStream;
        fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Ctx>) -> Intent<Self> {
            Intent::of(Get).expect_bytes(1)
        }
        fn bytes_read(self, t: &mut Transport<'_, UnixStream>, end: usize, s: &mut Scope<'_, Ctx>) -> Intent<Self> {
            t.input().consume(end);
            let output = t.output();
            output.push(b"<");
            output.queue(s.value.clone()).expect("one value per message fits the queue");
            output.push(b">");
            s.replies += 1;
            Intent::of(Get).expect_flush()
        }
        fn bytes_flushed(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Ctx>) -> Intent<Self> {
            Intent::of(Get).expect_bytes(1)
        }
        fn timeout(self, _: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, Ctx>) -> Intent<Self> {
            Intent::done()
        }
    }

    #[test]
    fn replies_with_queued_shared_values_allocate_nothing() {
        let _watchdog = Watchdog::new("no_alloc queued values test", Duration::from_secs(120));
        // A value stored once; its first clone (promoting a Vec-backed
        // `Bytes` to a shared one) happens here, not per message.
        let value = Bytes::from(vec![7u8; VALUE]);
        let ctx = Ctx { value: value.clone(), replies: 0 };
        let mut lp = Loop::<Stream<Get>>::new(&LoopConfig::new()).unwrap().instantiate(ctx);
        let (ours, theirs) = UnixStream::pair().unwrap();
        lp.add_machine_with(|scope| <Stream<Get> as Machine>::create(ours, scope)).unwrap();
        const WARMUP: usize = 200;
        const MEASURED: usize = 2_000;
        let client = std::thread::spawn(move || {
            let mut peer = theirs;
            let mut buf = [0u8; REPLY];
            for _ in 0..WARMUP + MEASURED {
                loop {
                    match peer.write(b"g") {
                        Ok(1) => break,
                        Ok(_) => unreachable!(),
                        Err(e) if would_block(&e) => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
                let mut got = 0;
                while got < REPLY {
                    match peer.read(&mut buf[got..]) {
                        Ok(0) => panic!("closed"),
                        Ok(n) => got += n,
                        Err(e) if would_block(&e) => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
                assert_eq!((buf[0], buf[1], buf[REPLY - 2], buf[REPLY - 1]), (b'<', 7, 7, b'>'));
            }
        });
        let mut turns = 0;
        while lp.context().replies < WARMUP {
            lp.run_once(Some(Duration::from_millis(10))).unwrap();
            turns += 1;
            assert!(turns < 1_000_000);
        }
        let allocations = allocations_in(|| {
            while !client.is_finished() || lp.context().replies < WARMUP + MEASURED {
                lp.run_once(Some(Duration::from_millis(10))).unwrap();
            }
        });
        client.join().unwrap();
        assert_eq!(lp.context().replies, WARMUP + MEASURED);
        assert_eq!(lp.queued_values_free(), lp.queued_values_total());
        assert_eq!(allocations, 0, "queued replies allocated {allocations} times in steady state");
        drop(value);
    }
}
