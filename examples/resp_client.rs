//! A load-generating RESP (Redis protocol) client on client machines: one
//! `Connect<Load>` stream per connection, each keeping `--pipeline P`
//! commands in flight from a mix of PING, SET and GET, until `--requests R`
//! replies came back; then it prints ops/s and the latency percentiles.
//!
//! ```text
//! cargo run --release --example resp_kv 127.0.0.1:6380 &      # or redis-server --port 6380
//! cargo run --release --example resp_client -- 127.0.0.1:6380 \
//!     --connections 50 --pipeline 16 --requests 1000000 --mix ping=1,set=1,get=2
//! ```
//!
//! Options (defaults): `--connections N` (50), `--pipeline P` (1, at most
//! 256), `--requests R` (100,000), `--mix ping=W,set=W,get=W` (set=1,get=1),
//! `--keys K` (10,000 keys `key:000000`...), `--value-size B` (3 bytes, at
//! most 1,024). Compare with `redis-benchmark -c N -P P -n R -t set,get`.
//!
//! Nothing is allocated per request: commands are written into the
//! connection's pooled buffer, send times live in one ring per connection
//! made at start, and latencies go to a fixed log-linear histogram (32
//! buckets per power of two: percentiles within 3%). A refused or failed
//! connection is reported with its kind and the others go on.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mio::machine::{Loop, LoopConfig, MachineError, Scope};
use mio::stream::{Connect, Intent, Outbound, Protocol, Transport};
use mio::tcp::TcpStream;

/// The command line.
struct Args {
    addr: SocketAddr,
    connections: usize,
    pipeline: u32,
    requests: u64,
    /// Weights of PING, SET and GET.
    mix: [u32; 3],
    keys: u32,
    value_size: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().ok_or("usage: resp_client ADDR [--connections N] [--pipeline P] ...")?;
    let addr = addr.parse().map_err(|e| format!("ADDR {addr:?}: {e}"))?;
    let mut parsed =
        Args { addr, connections: 50, pipeline: 1, requests: 100_000, mix: [0, 1, 1], keys: 10_000, value_size: 3 };
    while let Some(option) = args.next() {
        let value = args.next().ok_or(format!("{option} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{option}: {value:?} is not a number"));
        match option.as_str() {
            "--connections" => parsed.connections = number()?.clamp(1, 100_000) as usize,
            "--pipeline" => parsed.pipeline = number()?.clamp(1, MAX_PIPELINE as u64) as u32,
            "--requests" => parsed.requests = number()?.max(1),
            "--keys" => parsed.keys = number()?.clamp(1, 1_000_000) as u32,
            "--value-size" => parsed.value_size = number()?.min(1024) as usize,
            "--mix" => parsed.mix = parse_mix(&value)?,
            _ => return Err(format!("unknown option {option}")),
        }
    }
    Ok(parsed)
}

/// `ping=W,set=W,get=W` (any subset; the others weigh 0).
fn parse_mix(spec: &str) -> Result<[u32; 3], String> {
    let mut mix = [0; 3];
    for part in spec.split(',') {
        let (name, weight) = part.split_once('=').ok_or(format!("--mix: {part:?} is not name=weight"))?;
        let weight = weight.parse().map_err(|_| format!("--mix: {weight:?} is not a number"))?;
        match name {
            "ping" => mix[0] = weight,
            "set" => mix[1] = weight,
            "get" => mix[2] = weight,
            _ => return Err(format!("--mix: unknown command {name:?}")),
        }
    }
    if mix.iter().sum::<u32>() == 0 {
        return Err("--mix: every weight is 0".into());
    }
    Ok(mix)
}

const MAX_PIPELINE: u32 = 256;

/// Latencies in nanoseconds, 32 buckets per power of two.
struct Histogram {
    counts: [u64; 60 * 32],
    total: u64,
    max: u64,
}

impl Histogram {
    fn index(nanos: u64) -> usize {
        if nanos < 32 {
            return nanos as usize;
        }
        let exp = 63 - nanos.leading_zeros();
        ((exp - 4) * 32 + ((nanos >> (exp - 5)) & 31) as u32) as usize
    }

    /// The smallest value of bucket `i`.
    fn lower(i: usize) -> u64 {
        if i < 32 {
            return i as u64;
        }
        let (exp, sub) = ((i / 32) as u32 + 4, (i % 32) as u64);
        (32 + sub) << (exp - 5)
    }

    fn record(&mut self, latency: Duration) {
        let nanos = latency.as_nanos().min(u64::MAX as u128) as u64;
        self.counts[Histogram::index(nanos)] += 1;
        self.total += 1;
        self.max = self.max.max(nanos);
    }

    /// The latency at quantile `q` (0..=1): the lower bound of its bucket.
    fn quantile(&self, q: f64) -> Duration {
        let rank = ((self.total as f64 * q).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Duration::from_nanos(Histogram::lower(i));
            }
        }
        Duration::from_nanos(self.max)
    }
}

/// The loop's context: what is left to send, what came back, and the
/// per-connection rings of send times.
struct Bench {
    unsent: u64,
    replies: u64,
    error_replies: u64,
    failed: u64,
    lost: u64,
    pipeline: u32,
    sent_at: Vec<Instant>,
    histogram: Histogram,
    mix: [u32; 3],
    keys: u32,
    value: Vec<u8>,
    random: u64,
}

impl Bench {
    fn next_random(&mut self) -> u64 {
        let mut x = self.random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// One connection: which ring it owns, how many commands it sent and how
/// many replies it read, and where it is in the reply being read.
#[derive(Debug)]
struct Load {
    ring: u32,
    sent: u64,
    answered: u64,
    /// Reading a bulk string's body (after its `$n` line).
    in_bulk: bool,
}

type T<'a> = Transport<'a, TcpStream>;
type S<'a> = Scope<'a, Bench>;

/// The longest reply line accepted (a bulk length, `+PONG`, an error).
const LINE_MAX: usize = 512;

impl Load {
    /// Sends one command from the mix, timestamped in this connection's ring.
    fn send(&mut self, t: &mut T<'_>, bench: &mut Bench) {
        let pick = (bench.next_random() % bench.mix.iter().sum::<u32>() as u64) as u32;
        let key = key_name((bench.next_random() % bench.keys as u64) as u32);
        let out = t.output();
        let written = if pick < bench.mix[0] {
            out.extend(b"*1\r\n$4\r\nPING\r\n")
        } else if pick < bench.mix[0] + bench.mix[1] {
            out.extend(b"*3\r\n$3\r\nSET\r\n$10\r\n")
                .and_then(|()| out.extend(&key))
                .and_then(|()| write!(out, "\r\n${}\r\n", bench.value.len()).map_err(|_| mio::stream::BufferFull))
                .and_then(|()| out.extend(&bench.value))
                .and_then(|()| out.extend(b"\r\n"))
        } else {
            out.extend(b"*2\r\n$3\r\nGET\r\n$10\r\n").and_then(|()| out.extend(&key)).and_then(|()| out.extend(b"\r\n"))
        };
        // `--pipeline` and `--value-size` are bounded so that a pipeline of
        // commands fits the 16 KiB buffer.
        assert!(written.is_ok(), "a pipeline of commands outgrew the buffer");
        let slot = self.ring as usize * bench.pipeline as usize + (self.sent % bench.pipeline as u64) as usize;
        bench.sent_at[slot] = Instant::now();
        bench.unsent -= 1;
        self.sent += 1;
    }

    /// A whole reply was read: its latency counts, and another command
    /// takes its place while any are left.
    fn answered(mut self, t: &mut T<'_>, bench: &mut Bench) -> Intent<Self> {
        let slot = self.ring as usize * bench.pipeline as usize + (self.answered % bench.pipeline as u64) as usize;
        bench.histogram.record(bench.sent_at[slot].elapsed());
        bench.replies += 1;
        self.answered += 1;
        if bench.unsent > 0 {
            self.send(t, bench);
        }
        if self.answered == self.sent {
            return Intent::done();
        }
        Intent::of(self).expect_delimiter(b"\r\n", LINE_MAX)
    }
}

/// `key:NNNNNN`, the 10 bytes of key `n` (n < 1,000,000).
fn key_name(mut n: u32) -> [u8; 10] {
    let mut key = *b"key:000000";
    for digit in key[4..].iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
    key
}

impl Protocol for Load {
    type Context = Bench;
    type Socket = TcpStream;

    fn create(_: &mut T<'_>, _: &mut S<'_>) -> Intent<Self> {
        Intent::done() // a client starts in `connected`
    }

    fn connected(mut self, t: &mut T<'_>, bench: &mut S<'_>) -> Intent<Self> {
        let _ = t.socket().set_nodelay(true);
        while self.sent < bench.pipeline as u64 && bench.unsent > 0 {
            self.send(t, bench);
        }
        if self.sent == 0 {
            return Intent::done();
        }
        Intent::of(self).expect_delimiter(b"\r\n", LINE_MAX)
    }

    fn connect_failed(self, error: MachineError, bench: &mut S<'_>) {
        eprintln!("connection {} failed: {error} ({:?})", self.ring, error.kind());
        bench.failed += 1;
    }

    fn bytes_read(mut self, t: &mut T<'_>, end: usize, bench: &mut S<'_>) -> Intent<Self> {
        if self.in_bulk {
            t.input().consume(end);
            self.in_bulk = false;
            return self.answered(t, bench);
        }
        let line = &t.input().data()[..end];
        let bulk = match line[0] {
            b'$' => std::str::from_utf8(&line[1..end - 2]).ok().and_then(|n| n.parse::<i64>().ok()),
            b'-' => {
                bench.error_replies += 1;
                None
            }
            _ => None,
        };
        t.input().consume(end);
        match bulk {
            Some(len) if len >= 0 => {
                self.in_bulk = true;
                Intent::of(self).expect_bytes(len as usize + 2)
            }
            _ => self.answered(t, bench),
        }
    }

    fn bytes_flushed(self, _: &mut T<'_>, _: &mut S<'_>) -> Intent<Self> {
        Intent::done()
    }

    fn timeout(self, _: &mut T<'_>, _: &mut S<'_>) -> Intent<Self> {
        Intent::done()
    }

    fn end_of_stream(self, _: &mut T<'_>, bench: &mut S<'_>) -> Intent<Self> {
        bench.lost += self.sent - self.answered;
        Intent::done()
    }

    fn error(self, error: MachineError, bench: &mut S<'_>) {
        eprintln!("connection {}: {error}", self.ring);
        bench.lost += self.sent - self.answered;
    }
}

/// Runs the load; whether every request was answered.
fn run(args: &Args) -> io::Result<bool> {
    let mut config = LoopConfig::new();
    config.machines(args.connections).buffers(16 * 1024, 2 * args.connections);
    let mut lp = Loop::<Connect<Load>>::new(&config)?;
    let mut failed_at_once = 0;
    for ring in 0..args.connections as u32 {
        let load = Load { ring, sent: 0, answered: 0, in_bulk: false };
        match Outbound::tcp(args.addr, load) {
            Ok(seed) => {
                lp.add_machine_with(|scope| Connect::start(seed, scope))?;
            }
            // Refused inside `connect` itself (loopback may), or out of fds.
            Err(e) => {
                eprintln!("connection {ring} failed: {} ({:?})", e.error, e.error.kind());
                failed_at_once += 1;
            }
        }
    }
    let now = Instant::now();
    let bench = Bench {
        unsent: args.requests,
        replies: 0,
        error_replies: 0,
        failed: failed_at_once,
        lost: 0,
        pipeline: args.pipeline,
        sent_at: vec![now; args.connections * args.pipeline as usize],
        histogram: Histogram { counts: [0; 60 * 32], total: 0, max: 0 },
        mix: args.mix,
        keys: args.keys,
        value: vec![b'x'; args.value_size],
        random: 0x9E37_79B9_7F4A_7C15,
    };
    let mut lp = lp.instantiate(bench);
    let start = Instant::now();
    let (mut progress, mut stalled_since) = (0, Instant::now());
    while lp.machine_count() > 0 {
        lp.run_once(Some(Duration::from_secs(1)))?;
        if lp.context().replies != progress {
            (progress, stalled_since) = (lp.context().replies, Instant::now());
        } else if stalled_since.elapsed() > STALL {
            eprintln!("resp_client: no reply for {STALL:?}; giving up");
            break;
        }
    }
    report(args, lp.context(), start.elapsed());
    let bench = lp.context();
    Ok(bench.replies == args.requests && bench.failed == 0 && bench.lost == 0)
}

/// How long the server may answer nothing before the client gives up.
const STALL: Duration = Duration::from_secs(10);

fn report(args: &Args, bench: &Bench, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    let h = &bench.histogram;
    println!(
        "{} replies in {seconds:.3} s: {:.0} ops/s ({} connections, pipeline {})",
        bench.replies,
        bench.replies as f64 / seconds,
        args.connections,
        args.pipeline
    );
    println!(
        "latency p50 {:?} p99 {:?} p99.9 {:?} max {:?}",
        h.quantile(0.50),
        h.quantile(0.99),
        h.quantile(0.999),
        Duration::from_nanos(h.max)
    );
    println!(
        "error replies {}, failed connections {}, requests lost {}",
        bench.error_replies, bench.failed, bench.lost
    );
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("resp_client: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("resp_client: {e}");
            ExitCode::FAILURE
        }
    }
}
