//! The stream layer over Unix stream pairs: expectations met across reads,
//! limits, deadlines, end of stream, large writes with flush, pool exhaustion.

use std::io::{Read, Write};
use std::time::Duration;

use mio::machine::{Loop, LoopConfig, LoopInstance, Machine, MachineError, Scope};
use mio::stream::{Intent, Limit, Protocol, Stream, Transport};
use mio::timer::ManualClock;
use mio::unix::UnixStream;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Bytes(usize),
    Line(usize),
    Idle(u64),
    Write(usize),
}

#[derive(Default)]
struct Log {
    mode: Option<Mode>,
    frames: Vec<Vec<u8>>,
    eof_with: Vec<Vec<u8>>,
    limits: Vec<Limit>,
    timeouts: usize,
    flushed: usize,
    errors: Vec<MachineError>,
}

struct P {
    mode: Mode,
    left: usize,
}

const CHUNK: [u8; 4096] = [7; 4096];

impl P {
    fn next(self, t: &mut Transport<'_, UnixStream>, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        match self.mode {
            Mode::Bytes(n) => Intent::of(self).expect_bytes(n),
            Mode::Line(max) => Intent::of(self).expect_delimiter(b"\r\n", max),
            Mode::Idle(ms) => Intent::of(self).deadline(scope.now() + Duration::from_millis(ms)).expect_bytes(1),
            Mode::Write(_) if self.left == 0 => Intent::of(self).expect_bytes(1),
            Mode::Write(_) => {
                let mut p = self;
                let n = t.output().push(&CHUNK[..p.left.min(CHUNK.len())]);
                p.left -= n;
                Intent::of(p).expect_flush()
            }
        }
    }
}

impl Protocol for P {
    type Context = Log;
    type Socket = UnixStream;

    fn create(t: &mut Transport<'_, UnixStream>, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        let mode = scope.mode.expect("mode set");
        let left = if let Mode::Write(n) = mode { n } else { 0 };
        P { mode, left }.next(t, scope)
    }

    fn bytes_read(self, t: &mut Transport<'_, UnixStream>, end: usize, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        scope.frames.push(t.input().data()[..end].to_vec());
        t.input().consume(end);
        self.next(t, scope)
    }

    fn bytes_flushed(self, t: &mut Transport<'_, UnixStream>, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        scope.flushed += 1;
        self.next(t, scope)
    }

    fn timeout(self, _: &mut Transport<'_, UnixStream>, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        scope.timeouts += 1;
        Intent::done()
    }

    fn end_of_stream(self, t: &mut Transport<'_, UnixStream>, scope: &mut Scope<'_, Log>) -> Intent<Self> {
        scope.eof_with.push(t.input().data().to_vec());
        Intent::done()
    }

    fn limit_exceeded(
        self,
        _: &mut Transport<'_, UnixStream>,
        limit: Limit,
        scope: &mut Scope<'_, Log>,
    ) -> Intent<Self> {
        scope.limits.push(limit);
        Intent::done()
    }

    fn error(self, error: MachineError, scope: &mut Scope<'_, Log>) {
        scope.errors.push(error);
    }
}

struct Rig {
    lp: LoopInstance<Stream<P>>,
    clock: ManualClock,
}

impl Rig {
    fn new(mode: Mode, buffer: usize, buffers: usize) -> Rig {
        let clock = ManualClock::new();
        let mut config = LoopConfig::new();
        config.buffers(buffer, buffers).event_loop().clock(clock.clone());
        let mut lp = Loop::<Stream<P>>::new(&config).unwrap().instantiate(Log::default());
        lp.context_mut().mode = Some(mode);
        Rig { lp, clock }
    }

    /// Adds a connection and returns the peer end.
    fn connect(&mut self) -> UnixStream {
        let (ours, theirs) = UnixStream::pair().unwrap();
        // A protocol may end the connection at once (e.g. a limit at create).
        let _ = self.lp.add_machine_with(|scope| <Stream<P> as Machine>::create(ours, scope));
        theirs
    }

    /// Runs turns until `done` holds (bounded).
    fn until(&mut self, what: &str, mut done: impl FnMut(&Log) -> bool) {
        for _ in 0..2_000 {
            if done(self.lp.context()) {
                return;
            }
            self.lp.run_once(Some(Duration::from_millis(20))).unwrap();
        }
        panic!("timed out waiting for {what}");
    }

    fn turns(&mut self, n: usize) {
        for _ in 0..n {
            self.lp.run_once(Some(Duration::ZERO)).unwrap();
        }
    }
}

#[test]
fn bytes_n_is_delivered_once_across_many_small_reads() {
    let mut rig = Rig::new(Mode::Bytes(10), 1024, 8);
    let mut peer = rig.connect();
    for b in b"0123456789abc" {
        peer.write_all(&[*b]).unwrap();
        rig.turns(2);
    }
    rig.until("a frame", |l| !l.frames.is_empty());
    assert_eq!(rig.lp.context().frames, [b"0123456789".to_vec()]);
}

#[test]
fn a_delimiter_split_across_reads_is_found() {
    let mut rig = Rig::new(Mode::Line(64), 1024, 8);
    let mut peer = rig.connect();
    for piece in [&b"hel"[..], b"lo\r", b"\nsecond\r", b"\n"] {
        peer.write_all(piece).unwrap();
        rig.turns(2);
    }
    rig.until("two lines", |l| l.frames.len() == 2);
    assert_eq!(rig.lp.context().frames, [b"hello\r\n".to_vec(), b"second\r\n".to_vec()]);
}

#[test]
fn a_line_trickling_in_byte_by_byte_is_found_once_complete() {
    let mut rig = Rig::new(Mode::Line(64), 1024, 8);
    let mut peer = rig.connect();
    for &b in b"trickle\r\n" {
        peer.write_all(&[b]).unwrap();
        rig.turns(2);
    }
    rig.until("a line", |l| !l.frames.is_empty());
    assert_eq!(rig.lp.context().frames, [b"trickle\r\n".to_vec()]);
}

#[test]
fn pipelined_frames_in_one_read_are_all_delivered() {
    let mut rig = Rig::new(Mode::Line(64), 1024, 8);
    let mut peer = rig.connect();
    peer.write_all(b"a\r\nb\r\nc\r\n").unwrap();
    rig.until("three lines", |l| l.frames.len() == 3);
}

#[test]
fn a_delimiter_beyond_max_calls_limit_exceeded_and_closes() {
    let mut rig = Rig::new(Mode::Line(16), 1024, 8);
    let mut peer = rig.connect();
    peer.write_all(&[b'x'; 40]).unwrap();
    rig.until("the limit", |l| !l.limits.is_empty());
    assert_eq!(rig.lp.context().limits, [Limit::Delimiter { max: 16 }]);
    assert_eq!(rig.lp.machine_count(), 0);
    let mut buf = [0; 8];
    assert_eq!(peer.read(&mut buf).unwrap(), 0, "the connection is closed");
}

#[test]
fn expecting_more_than_a_buffer_is_a_typed_limit() {
    let mut rig = Rig::new(Mode::Bytes(4096), 1024, 8);
    let _peer = rig.connect();
    rig.until("the limit", |l| !l.limits.is_empty());
    assert_eq!(rig.lp.context().limits, [Limit::BufferSize { wanted: 4096, capacity: 1024 }]);
}

#[test]
fn a_client_that_never_sends_is_timed_out_and_closed() {
    let mut rig = Rig::new(Mode::Idle(5_000), 1024, 8);
    let mut peer = rig.connect();
    rig.turns(2);
    rig.clock.advance(Duration::from_millis(4_999));
    rig.turns(2);
    assert_eq!(rig.lp.context().timeouts, 0, "not before the deadline");
    rig.clock.advance(Duration::from_millis(2));
    rig.until("the timeout", |l| l.timeouts == 1);
    rig.turns(1);
    assert_eq!(rig.lp.machine_count(), 0);
    let mut buf = [0; 8];
    assert_eq!(peer.read(&mut buf).unwrap(), 0, "fd released: the peer sees end of stream");
}

#[test]
fn peer_eof_mid_frame_calls_end_of_stream_with_the_partial_input() {
    let mut rig = Rig::new(Mode::Line(64), 1024, 8);
    let mut peer = rig.connect();
    peer.write_all(b"partial").unwrap();
    peer.shutdown(std::net::Shutdown::Write).unwrap();
    rig.until("end of stream", |l| !l.eof_with.is_empty());
    assert_eq!(rig.lp.context().eof_with, [b"partial".to_vec()]);
    assert!(rig.lp.context().frames.is_empty());
}

#[test]
fn ten_megabytes_to_a_slow_reader_complete_with_flush() {
    const TOTAL: usize = 10 << 20;
    let mut rig = Rig::new(Mode::Write(TOTAL), 16 * 1024, 8);
    let mut peer = rig.connect();
    let mut got = 0usize;
    let mut buf = vec![0u8; 8192];
    for _ in 0..1_000_000 {
        rig.lp.run_once(Some(Duration::from_millis(1))).unwrap();
        // A slow reader: a little per turn.
        match peer.read(&mut buf) {
            Ok(n) => {
                assert!(buf[..n].iter().all(|&b| b == 7));
                got += n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
        if got == TOTAL {
            break;
        }
    }
    assert_eq!(got, TOTAL);
    assert!(rig.lp.context().flushed >= TOTAL / CHUNK.len());
    assert!(rig.lp.context().errors.is_empty());
}

#[test]
fn pool_exhaustion_is_a_typed_limit_for_the_protocol() {
    // Two chunks: the first connection holds one with a partial frame, so the
    // second cannot get both of its buffers.
    let mut rig = Rig::new(Mode::Line(64), 256, 2);
    let mut a = rig.connect();
    let mut b = rig.connect();
    a.write_all(b"no newline yet").unwrap();
    rig.turns(3);
    b.write_all(b"hi\r\n").unwrap();
    rig.until("exhaustion", |l| !l.limits.is_empty());
    assert_eq!(rig.lp.context().limits, [Limit::PoolExhausted]);
    a.write_all(b"\r\n").unwrap();
    rig.until("a's line", |l| !l.frames.is_empty());
    assert_eq!(rig.lp.context().frames, [b"no newline yet\r\n".to_vec()]);
}

/// A Unix stream that counts its `write` calls.
struct CountingSocket(UnixStream);

static WRITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Read for CountingSocket {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for CountingSocket {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl mio::Evented for CountingSocket {
    fn register(
        &self,
        poll: &mio::Poll,
        token: mio::Token,
        interest: mio::EventSet,
        opts: mio::PollOpt,
    ) -> std::io::Result<()> {
        self.0.register(poll, token, interest, opts)
    }

    fn reregister(
        &self,
        poll: &mio::Poll,
        token: mio::Token,
        interest: mio::EventSet,
        opts: mio::PollOpt,
    ) -> std::io::Result<()> {
        self.0.reregister(poll, token, interest, opts)
    }

    fn deregister(&self, poll: &mio::Poll) -> std::io::Result<()> {
        self.0.deregister(poll)
    }
}

/// Answers each line with `ok\n`.
struct Acks;

impl Protocol for Acks {
    type Context = ();
    type Socket = CountingSocket;

    fn create(_: &mut Transport<'_, CountingSocket>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Acks).expect_delimiter(b"\n", 64)
    }

    fn bytes_read(self, t: &mut Transport<'_, CountingSocket>, end: usize, _: &mut Scope<'_, ()>) -> Intent<Self> {
        t.input().consume(end);
        t.output().extend(b"ok\n").unwrap();
        Intent::of(Acks).expect_delimiter(b"\n", 64)
    }

    fn bytes_flushed(self, _: &mut Transport<'_, CountingSocket>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::of(Acks).expect_delimiter(b"\n", 64)
    }

    fn timeout(self, _: &mut Transport<'_, CountingSocket>, _: &mut Scope<'_, ()>) -> Intent<Self> {
        Intent::done()
    }
}

#[test]
fn replies_to_pipelined_frames_leave_in_one_write() {
    let mut lp = Loop::<Stream<Acks>>::new(&LoopConfig::new()).unwrap().instantiate(());
    let (ours, mut peer) = UnixStream::pair().unwrap();
    peer.write_all(b"a\nb\nc\n").unwrap();
    lp.add_machine_with(|scope| <Stream<Acks> as Machine>::create(CountingSocket(ours), scope)).unwrap();
    let mut reply = Vec::new();
    for _ in 0..200 {
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
        let mut buf = [0; 64];
        match peer.read(&mut buf) {
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
        }
        if reply.len() >= 9 {
            break;
        }
    }
    assert_eq!(reply, b"ok\nok\nok\n");
    assert_eq!(WRITES.load(std::sync::atomic::Ordering::Relaxed), 1, "one write for three replies");
}
