//! examples/proxy.rs as a real process between real clients and servers:
//! redis-cli through it to a redis-server the test starts and to the
//! resp_kv example; 64 MiB each way intact while the receivers read slowly,
//! with the proxy's resident memory bounded; a refused upstream; an
//! upstream killed mid-stream; 1,000 concurrent connections. After each, the
//! proxy's fds (from /proc/<pid>/fd) are back to what they were.
//!
//! The proxy's fds and memory are another process's state with no event to
//! wait on: `wait_until` polls them, bounded, every few milliseconds. No
//! wait orders events. redis-server and redis-cli come from Debian's
//! `redis-server` and `redis-tools`, which `.ci/run` installs.

mod util;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use util::example::{ExampleServer, Process};
use util::fd_limit::ensure_fd_limit;
use util::{Watchdog, DEADLINE};

/// Polls `condition` every few milliseconds until it holds.
///
/// # Panics
///
/// After [`DEADLINE`], with `what` and the last value `condition` saw.
fn wait_until<T: std::fmt::Debug>(what: &str, mut probe: impl FnMut() -> T, mut condition: impl FnMut(&T) -> bool) {
    let start = Instant::now();
    loop {
        let value = probe();
        if condition(&value) {
            return;
        }
        assert!(start.elapsed() < DEADLINE, "{what}: still {value:?} after {DEADLINE:?}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// How many fds process `pid` has open.
fn fds_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("/proc/<pid>/fd").count()
}

/// The resident memory of process `pid`, in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/<pid>/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmRSS in kB")
}

/// A loopback port nothing listens on now.
fn unused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The proxy in front of `upstream`, with its fd count once it listens.
fn start_proxy(upstream: &str, options: &[&str]) -> (ExampleServer, usize) {
    let mut args = vec!["127.0.0.1:0", upstream];
    args.extend_from_slice(options);
    let proxy = ExampleServer::start("proxy", &args);
    let fds = fds_of(proxy.process.pid());
    (proxy, fds)
}

/// Waits until the proxy has `baseline` fds open again.
fn expect_fds_back(proxy: &ExampleServer, baseline: usize, what: &str) {
    let pid = proxy.process.pid();
    wait_until(&format!("{what}: proxy fds back to {baseline}"), || fds_of(pid), |&n| n == baseline);
}

/// A redis-server of its own on a free port, killed when dropped.
fn start_redis() -> (Process, u16) {
    let port = unused_port();
    let redis = Process::spawn(
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--protected-mode", "no"])
            .stdin(Stdio::null()),
    );
    redis.stdout.expect("Ready to accept connections");
    (redis, port)
}

/// Runs redis-cli against `addr` ("host:port") with `args`, `input` on its
/// stdin; its output lines.
fn redis_cli_with(addr: &str, args: &[&str], input: &[u8]) -> Vec<String> {
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let mut cli =
        Process::spawn(Command::new("redis-cli").args(["-h", host, "-p", port]).args(args).stdin(Stdio::piped()));
    let mut stdin = cli.child().stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let typist = thread::spawn(move || stdin.write_all(&input));
    let lines = cli.stdout.expect_end();
    typist.join().unwrap().expect("redis-cli's stdin");
    assert!(cli.wait().success(), "redis-cli {args:?} failed");
    lines
}

fn redis_cli(addr: &str, args: &[&str]) -> Vec<String> {
    redis_cli_with(addr, args, b"")
}

/// SET, GET, INCR, a large value and DEL through redis-cli.
fn redis_cli_session(addr: &str) {
    assert_eq!(redis_cli(addr, &["set", "greeting", "hello through the proxy"]), ["OK"]);
    assert_eq!(redis_cli(addr, &["get", "greeting"]), ["hello through the proxy"]);
    assert_eq!(redis_cli(addr, &["incrby", "counter", "41"]), ["41"]);
    assert_eq!(redis_cli(addr, &["incr", "counter"]), ["42"]);
    let big = "v".repeat(300_000); // many buffers long
    assert_eq!(redis_cli_with(addr, &["-x", "set", "big"], big.as_bytes()), ["OK"]);
    assert_eq!(redis_cli(addr, &["strlen", "big"]), ["300000"]);
    assert!(redis_cli(addr, &["get", "big"]) == [big], "GET of the 300,000-byte value");
    assert_eq!(redis_cli(addr, &["del", "greeting", "counter", "big"]), ["3"]);
}

#[test]
fn redis_cli_through_the_proxy_to_redis_server() {
    let (_redis, port) = start_redis();
    let (mut proxy, baseline) = start_proxy(&format!("127.0.0.1:{port}"), &[]);
    redis_cli_session(&proxy.address);
    expect_fds_back(&proxy, baseline, "after redis-cli");
    assert!(proxy.terminate().success(), "SIGTERM: clean exit");
}

#[test]
fn redis_cli_through_the_proxy_to_resp_kv() {
    let mut kv = ExampleServer::start("resp_kv", &["127.0.0.1:0"]);
    let (mut proxy, baseline) = start_proxy(&kv.address, &[]);
    redis_cli_session(&proxy.address);
    expect_fds_back(&proxy, baseline, "after redis-cli");
    proxy.process.signal("INT");
    assert!(proxy.process.wait().success(), "SIGINT: clean exit");
    assert!(kv.terminate().success());
}

/// 64-bit FNV-1a, fed in pieces of any size.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn feed(&mut self, data: &[u8]) {
        for &b in data {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// `len` bytes of a pattern that differs per `seed`.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes all of `data` then closes the writing side; returns the socket.
fn send_all_then_end(mut socket: TcpStream, data: Vec<u8>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for piece in data.chunks(256 * 1024) {
            socket.write_all(piece).expect("send");
        }
        socket.shutdown(Shutdown::Write).expect("shutdown(Write)");
    })
}

/// Reads to the end in small pieces, hashing as it goes: a slow reader.
fn read_slowly_to_end(mut socket: TcpStream) -> thread::JoinHandle<(usize, u64)> {
    thread::spawn(move || {
        let mut hash = Fnv::new();
        let mut total = 0;
        let mut buf = [0u8; 1024];
        loop {
            match socket.read(&mut buf) {
                Ok(0) => return (total, hash.0),
                Ok(n) => {
                    hash.feed(&buf[..n]);
                    total += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => panic!("read after {total} bytes: {e}"),
            }
        }
    })
}

#[test]
fn sixty_four_mib_each_way_intact_with_bounded_memory() {
    const SIZE: usize = 64 << 20;
    let _watchdog = Watchdog::new("64 MiB each way", Duration::from_secs(300));
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let (proxy, baseline) = start_proxy(&upstream.local_addr().unwrap().to_string(), &[]);
    let pid = proxy.process.pid();
    let (up, down) = (pattern(SIZE, 1), pattern(SIZE, 2));
    let (up_hash, down_hash) = {
        let (mut u, mut d) = (Fnv::new(), Fnv::new());
        u.feed(&up);
        d.feed(&down);
        (u.0, d.0)
    };
    let rss_before = rss_kib(pid);

    let client = TcpStream::connect(&proxy.address).unwrap();
    let (server, _) = upstream.accept().unwrap();
    let readers = [read_slowly_to_end(server.try_clone().unwrap()), read_slowly_to_end(client.try_clone().unwrap())];
    let writers = [send_all_then_end(client, up), send_all_then_end(server, down)];
    // Sample the proxy's memory while the bytes flow.
    let mut rss_peak = rss_before;
    while !readers.iter().all(thread::JoinHandle::is_finished) {
        rss_peak = rss_peak.max(rss_kib(pid));
        thread::sleep(Duration::from_millis(10));
    }
    for writer in writers {
        writer.join().unwrap();
    }
    let [at_upstream, at_client] = readers.map(|r| r.join().unwrap());
    assert_eq!(at_upstream, (SIZE, up_hash), "client to upstream");
    assert_eq!(at_client, (SIZE, down_hash), "upstream to client");
    let growth = rss_peak.saturating_sub(rss_before);
    assert!(growth < 8 * 1024, "proxy RSS grew {growth} KiB (from {rss_before} KiB)");
    // Both ends were passed on: the proxy closes both connections.
    expect_fds_back(&proxy, baseline, "after 64 MiB each way");
}

#[test]
fn a_refused_upstream_closes_the_client_within_a_second() {
    let (proxy, baseline) = start_proxy(&format!("127.0.0.1:{}", unused_port()), &[]);
    for _ in 0..20 {
        let start = Instant::now();
        let mut client = TcpStream::connect(&proxy.address).unwrap();
        client.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let end = client.read(&mut [0; 16]);
        let took = start.elapsed();
        assert!(
            matches!(&end, Ok(0)) || matches!(&end, Err(e) if e.kind() == io::ErrorKind::ConnectionReset),
            "the client should see the end, got {end:?}"
        );
        assert!(took < Duration::from_secs(1), "closed after {took:?}");
    }
    expect_fds_back(&proxy, baseline, "after refused upstreams");
}

#[test]
fn an_upstream_that_never_answers_the_connect_is_given_up_at_the_deadline() {
    // A listener with a full backlog leaves further connects pending (the
    // kernel drops their SYNs): a connect that does not finish.
    let listener = listener_with_backlog_zero();
    let upstream = listener.local_addr().unwrap().to_string();
    let mut fillers = Vec::new();
    for _ in 0..3 {
        fillers.extend(TcpStream::connect_timeout(&listener.local_addr().unwrap(), Duration::from_millis(100)).ok());
    }
    let (proxy, baseline) = start_proxy(&upstream, &["--connect-ms", "300"]);
    let start = Instant::now();
    let mut client = TcpStream::connect(&proxy.address).unwrap();
    client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let end = client.read(&mut [0; 16]);
    let took = start.elapsed();
    assert!(matches!(end, Ok(0)) || end.is_err(), "got {end:?}");
    assert!(took >= Duration::from_millis(250), "closed after {took:?}: before the deadline");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    drop(client);
    expect_fds_back(&proxy, baseline, "after the connect deadline");
}

/// A listening socket with a backlog of 0: std's `bind` listens with 128,
/// and Linux takes a second `listen` as a new backlog.
fn listener_with_backlog_zero() -> TcpListener {
    use nix::sys::socket::{listen, Backlog};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listen(&listener, Backlog::new(0).expect("backlog")).expect("listen");
    listener
}

#[test]
fn an_upstream_killed_mid_stream_ends_the_client_and_frees_the_fds() {
    let _watchdog = Watchdog::new("upstream killed", Duration::from_secs(120));
    let mut echo = ExampleServer::start("echo", &["127.0.0.1:0"]);
    let (proxy, baseline) = start_proxy(&echo.address, &[]);
    let mut client = TcpStream::connect(&proxy.address).unwrap();
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    // A stream in flight: the client writes on while the upstream dies.
    let mut writer = client.try_clone().unwrap();
    let typist = thread::spawn(move || {
        let line = [b'x'; 1023];
        loop {
            if writer.write_all(&line).and_then(|()| writer.write_all(b"\n")).is_err() {
                return;
            }
        }
    });
    let mut echoed = vec![0u8; 64 * 1024];
    client.read_exact(&mut echoed).expect("echoes before the kill");
    echo.process.child().kill().unwrap(); // SIGKILL to the echo server's PID
    let _ = echo.process.wait();
    let mut buf = [0u8; 64 * 1024];
    let end = loop {
        match client.read(&mut buf) {
            Ok(0) => break Ok(0),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    assert!(
        matches!(&end, Ok(0)) || matches!(&end, Err(e) if e.kind() == io::ErrorKind::ConnectionReset),
        "the client should see the end or a reset, got {end:?}"
    );
    drop(client);
    typist.join().unwrap();
    expect_fds_back(&proxy, baseline, "after the upstream died");
}

#[test]
fn a_thousand_concurrent_connections_leak_no_fd() {
    const CONNECTIONS: usize = 1_000;
    let _watchdog = Watchdog::new("1,000 connections", Duration::from_secs(300));
    ensure_fd_limit(4 * CONNECTIONS as u64 + 100).expect("fd limit");
    let echo = ExampleServer::start("echo", &["127.0.0.1:0"]);
    let (proxy, baseline) = start_proxy(&echo.address, &[]);
    let mut clients: Vec<TcpStream> = (0..CONNECTIONS).map(|_| TcpStream::connect(&proxy.address).unwrap()).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.set_read_timeout(Some(DEADLINE)).unwrap();
        client.write_all(format!("hello {i:04}\n").as_bytes()).unwrap();
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let mut reply = [0u8; 11];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply[..], format!("hello {i:04}\n").as_bytes());
    }
    let open = fds_of(proxy.process.pid());
    assert_eq!(open, baseline + 2 * CONNECTIONS, "each connection: a client and an upstream socket");
    drop(clients);
    expect_fds_back(&proxy, baseline, "after 1,000 connections closed");
}
