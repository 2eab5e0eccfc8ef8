//! The client's protocol: keeps `pipeline` requests in flight on its
//! connection, times each from the turn it was sent to the turn its reply
//! arrived, and ends when the run's stop is reached and every reply is in.
//! A failure (refused, reset, a bad reply, no reply in time) ends the
//! connection and is counted with the first one's text.

use std::time::Instant;

use mio::machine::{MachineError, Scope};
use mio::stream::{Bytes, Intent, Limit, Output, Protocol, Transport};
use mio::tcp::TcpStream;

use crate::histogram::Histogram;
use crate::plan::{prefix, Kind, Plan, Stop, KEY_LEN};
use crate::reply::{self, Reply};

/// SET values longer than this are queued as one shared `Bytes` instead of
/// copied into the output buffer.
pub const COPY_AT_MOST: usize = 512;

/// The run: the plan, what every connection shares, and the tallies.
pub struct Run {
    pub plan: Plan,
    /// What follows the key, by `Kind`: the small ones are copied, a large
    /// SET value is queued (shared, not copied).
    suffix: [Bytes; 3],
    /// When each request in flight was sent: `pipeline` per connection, a
    /// ring each (its head and length live in the connection's `Client`).
    sent_at: Vec<Instant>,
    sent: u64,
    ends_at: Option<Instant>,
    rng: u64,
    /// Replies received, and how many were `-ERR`.
    pub replies: u64,
    pub error_replies: u64,
    /// Latency of every reply.
    pub latency: Histogram,
    /// Connections that ended after their last reply, without error.
    pub finished: u64,
    /// The first failure's text (refused, reset, a bad reply, no reply).
    pub first_failure: Option<String>,
    /// When the first connection started.
    pub started: Option<Instant>,
}

impl Run {
    /// Everything a run needs, allocated before it starts.
    pub fn new(plan: Plan) -> Run {
        let suffix = [Kind::Ping, Kind::Set, Kind::Get].map(|k| Bytes::from(plan.suffix(k)));
        let slots = plan.conns * plan.pipeline;
        Run {
            suffix,
            sent_at: vec![Instant::now(); slots],
            sent: 0,
            ends_at: None,
            rng: 0x9E37_79B9_7F4A_7C15,
            replies: 0,
            error_replies: 0,
            latency: Histogram::new(),
            finished: 0,
            first_failure: None,
            started: None,
            plan,
        }
    }

    /// Whether another request may be sent at `now`.
    fn may_send(&self, now: Instant) -> bool {
        match self.plan.stop {
            Stop::After(_) => self.ends_at.is_some_and(|end| now < end),
            Stop::Requests(n) => self.sent < n,
        }
    }

    /// The next key: the literal one, or a pseudo-random one below the
    /// keyspace (xorshift64: no allocation, no syscall).
    fn key(&mut self) -> [u8; KEY_LEN] {
        let mut key = *b"key:__rand_int__";
        if self.plan.keyspace > 0 {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            let mut n = self.rng % self.plan.keyspace;
            for digit in key[4..].iter_mut().rev() {
                *digit = b'0' + (n % 10) as u8;
                n /= 10;
            }
        }
        key
    }

    /// A connection failed with `error` (the loop's error hook and
    /// `Protocol::error` both come here, and may both see one failure:
    /// failures are counted as the connections that did not finish).
    pub fn failed(&mut self, error: &MachineError) {
        if self.first_failure.is_none() {
            self.first_failure = Some(format!("{error} ({:?})", error.kind()));
        }
    }
}

/// One connection's place in the run.
pub struct Client {
    /// Its index: its ring of send times is `sent_at[conn * pipeline..]`.
    conn: u32,
    /// The oldest request in flight in that ring, and how many are.
    head: u32,
    inflight: u32,
    /// Bytes of a large bulk reply still to skip.
    skip: u64,
}

impl Client {
    /// Connection number `conn` of the run, before it connects.
    pub fn new(conn: u32) -> Client {
        Client { conn, head: 0, inflight: 0, skip: 0 }
    }

    /// Sends requests until `pipeline` are in flight or the run stops
    /// sending; false if nothing is in flight.
    fn fill(&mut self, out: &mut Output<'_>, run: &mut Run, now: Instant) -> Result<bool, MachineError> {
        let pipeline = run.plan.pipeline as u32;
        while self.inflight < pipeline && run.may_send(now) {
            let kind = run.plan.mix[(run.sent % run.plan.mix.len() as u64) as usize];
            out.push(prefix(kind));
            if kind != Kind::Ping {
                out.push(&run.key());
                let suffix = &run.suffix[kind as usize];
                if suffix.len() > COPY_AT_MOST {
                    out.queue(suffix.clone()).map_err(|_| QUEUE_FULL)?;
                } else {
                    out.push(suffix);
                }
            }
            let slot = self.conn * pipeline + (self.head + self.inflight) % pipeline;
            run.sent_at[slot as usize] = now;
            self.inflight += 1;
            run.sent += 1;
        }
        Ok(self.inflight > 0)
    }

    /// Counts the reply to the oldest request in flight.
    fn answered(&mut self, run: &mut Run, error: bool, now: Instant) {
        let pipeline = run.plan.pipeline as u32;
        let sent = run.sent_at[(self.conn * pipeline + self.head) as usize];
        run.latency.record(now.saturating_duration_since(sent));
        run.replies += 1;
        run.error_replies += u64::from(error);
        self.head = (self.head + 1) % pipeline;
        self.inflight -= 1;
    }

    /// What to wait for next, once the whole replies are consumed and
    /// `left` bytes of a partial one remain; the reply deadline runs from
    /// `now` (the time the callback already read).
    fn next(self, left: usize, capacity: usize, run: &Run, now: Instant) -> Intent<Client> {
        let deadline = now + run.plan.timeout;
        let need = if self.skip > 0 { 1 } else { left + 1 };
        if need > capacity {
            return Intent::error(REPLY_TOO_LONG);
        }
        Intent::of(self).deadline(deadline).expect_bytes(need)
    }
}

const NOT_OUTBOUND: MachineError =
    MachineError::new(std::io::ErrorKind::Unsupported, "resp_client streams are outbound only");
const QUEUE_FULL: MachineError = MachineError::new(std::io::ErrorKind::OutOfMemory, "output queue full");
const REPLY_TOO_LONG: MachineError =
    MachineError::new(std::io::ErrorKind::InvalidData, "a reply header longer than the buffer");
const BAD_REPLY: MachineError = MachineError::new(std::io::ErrorKind::InvalidData, "not a RESP reply");
const NO_REPLY: MachineError = MachineError::new(std::io::ErrorKind::TimedOut, "no reply in time");
const CLOSED: MachineError =
    MachineError::new(std::io::ErrorKind::UnexpectedEof, "server closed with requests in flight");

impl Protocol for Client {
    type Context = Run;
    type Socket = TcpStream;

    /// Refused: the client's streams are outbound (`Connect<Client>`,
    /// numbered by `main`) and start in [`connected`](Protocol::connected).
    fn create(_: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Run>) -> Intent<Self> {
        Intent::error(NOT_OUTBOUND)
    }

    /// The connection is up: the first requests go out.
    fn connected(mut self, t: &mut Transport<'_, TcpStream>, scope: &mut Scope<'_, Run>) -> Intent<Self> {
        let _ = t.socket().set_nodelay(true);
        let now = scope.now();
        let run = &mut **scope;
        run.started.get_or_insert(now);
        if let (Stop::After(secs), None) = (run.plan.stop, run.ends_at) {
            run.ends_at = Some(now + secs);
        }
        match self.fill(t.output(), run, now) {
            Ok(true) => self.next(0, t.input().capacity(), run, now),
            Ok(false) => {
                run.finished += 1;
                Intent::done()
            }
            Err(e) => Intent::error(e),
        }
    }

    /// Refused, unreachable, or not connected by the deadline.
    fn connect_failed(self, error: MachineError, scope: &mut Scope<'_, Run>) {
        scope.failed(&error);
    }

    fn bytes_read(mut self, t: &mut Transport<'_, TcpStream>, _: usize, scope: &mut Scope<'_, Run>) -> Intent<Self> {
        let now = scope.now();
        let run = &mut **scope;
        let (input, output) = t.buffers();
        let mut used = 0;
        let data = input.data();
        loop {
            if self.skip > 0 {
                let n = self.skip.min((data.len() - used) as u64);
                self.skip -= n;
                used += n as usize;
                if self.skip > 0 {
                    break;
                }
                self.answered(run, false, now);
                continue;
            }
            match reply::parse(&data[used..]) {
                Reply::Complete { len, error } => {
                    used += len;
                    self.answered(run, error, now);
                }
                Reply::Bulk { header, total } if total > input.capacity() => {
                    // Larger than the buffer: skip it as it streams in.
                    self.skip = (total - header) as u64;
                    used += header;
                }
                Reply::Bulk { .. } | Reply::Partial => break,
                Reply::Invalid => return Intent::error(BAD_REPLY),
            }
            if used == data.len() {
                break;
            }
        }
        input.consume(used);
        if self.inflight == 0 && self.skip == 0 && !run.may_send(now) {
            run.finished += 1;
            return Intent::done();
        }
        let left = input.len();
        let capacity = input.capacity();
        match self.fill(output, run, now) {
            Ok(_) => self.next(left, capacity, run, now),
            Err(e) => Intent::error(e),
        }
    }

    fn bytes_flushed(self, t: &mut Transport<'_, TcpStream>, scope: &mut Scope<'_, Run>) -> Intent<Self> {
        let capacity = t.input().capacity();
        let left = t.input().len();
        let now = scope.now();
        self.next(left, capacity, scope, now)
    }

    fn timeout(self, _: &mut Transport<'_, TcpStream>, _: &mut Scope<'_, Run>) -> Intent<Self> {
        Intent::error(NO_REPLY)
    }

    fn end_of_stream(self, _: &mut Transport<'_, TcpStream>, scope: &mut Scope<'_, Run>) -> Intent<Self> {
        if self.inflight == 0 && self.skip == 0 {
            scope.finished += 1;
            return Intent::done();
        }
        Intent::error(CLOSED)
    }

    fn limit_exceeded(self, _: &mut Transport<'_, TcpStream>, limit: Limit, _: &mut Scope<'_, Run>) -> Intent<Self> {
        let _ = limit;
        Intent::error(REPLY_TOO_LONG)
    }

    fn error(self, error: MachineError, scope: &mut Scope<'_, Run>) {
        scope.failed(&error);
    }
}
