//! The `resp_kv` example against real clients: `redis-cli` (one-shot
//! commands and `--pipe`) and raw RESP over a TCP socket.
//!
//! Each test starts its own server on a free loopback port (the server binds
//! port 0 and prints `listening on ADDR`), kills it by PID when done, and
//! bounds every wait. `redis-cli` comes from Debian's `redis-tools`, which
//! `.ci/run` installs; without it these tests fail and say so.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The upper bound of every wait in these tests.
const DEADLINE: Duration = Duration::from_secs(20);

/// Builds the example (once per test binary) with the profile this test was
/// built with, and returns its path: `target/<profile>/examples/resp_kv`.
fn server_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // This test runs as target/<profile>/deps/resp_kv-<hash>.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "--example", "resp_kv", "--manifest-path"]);
        build.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
        if profile_dir.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        let out = run_bounded(build, Duration::from_secs(600), "cargo build --example resp_kv");
        assert!(out.status.success(), "building the example failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let binary = profile_dir.join("examples").join("resp_kv");
        assert!(binary.exists(), "{} missing after the build", binary.display());
        binary
    })
}

/// Runs `cmd` to completion with its output captured, killing it after
/// `limit`.
fn run_bounded(mut cmd: Command, limit: Duration, what: &str) -> Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    wait_bounded(child, None, limit, what)
}

/// Feeds `input` to `child`, then waits for it to exit, killing it by PID
/// after `limit`.
fn wait_bounded(mut child: Child, input: Option<Vec<u8>>, limit: Duration, what: &str) -> Output {
    let pid = child.id();
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin piped");
        thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap_or_else(|e| panic!("{what}: {e}")),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("{what}: still running after {limit:?}, killed");
        }
    }
}

/// A running `resp_kv`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts the server on a free loopback port and waits until it listens.
    fn start() -> Server {
        Server::start_with(&[])
    }

    /// As [`start`](Server::start), with more command-line arguments.
    fn start_with(args: &[&str]) -> Server {
        let mut child = Command::new(server_binary())
            .arg("127.0.0.1:0")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start resp_kv");
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let mut server = Server { child, addr: SocketAddr::from(([0, 0, 0, 0], 0)) };
        let line = rx.recv_timeout(DEADLINE).expect("resp_kv did not print `listening on ADDR`");
        let addr = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line: {line}"));
        server.addr = addr.parse().expect("listening address");
        server
    }

    fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Runs `redis-cli -p PORT args...` and returns its standard output.
    fn cli(&self, args: &[&str]) -> String {
        self.cli_with_input(args, None)
    }

    fn cli_with_input(&self, args: &[&str], input: Option<Vec<u8>>) -> String {
        String::from_utf8(self.cli_bytes(args, input)).expect("utf-8 output")
    }

    /// Runs `redis-cli -p PORT args...` with `input` on its standard input
    /// and returns its standard output as bytes.
    fn cli_bytes(&self, args: &[&str], input: Option<Vec<u8>>) -> Vec<u8> {
        let mut cmd = Command::new("redis-cli");
        cmd.args(["-p", &self.port()]).args(args);
        cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-cli is not installed: run .ci/run (it installs Debian's redis-tools), \
                 or `apt-get install redis-tools`"
            ),
            Err(e) => panic!("redis-cli: {e}"),
        };
        let out = wait_bounded(child, input, DEADLINE, &format!("redis-cli {args:?}"));
        assert!(out.status.success(), "redis-cli {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// A field of the server's `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
    fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        let line = status.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')).expect("status field");
        line.trim().trim_end_matches("kB").trim().parse().expect("a size in kB")
    }

    /// A raw client connection with bounded reads.
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        stream
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads exactly `expected.len()` bytes and compares.
fn expect_reply(stream: &mut TcpStream, expected: &[u8]) {
    let mut got = vec![0; expected.len()];
    stream.read_exact(&mut got).expect("reply");
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(expected));
}

/// Reads until the server closes the connection.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    stream.read_to_end(&mut got).expect("read until close");
    String::from_utf8_lossy(&got).into_owned()
}

/// A multibulk request.
fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn set_get_incr_with_redis_cli() {
    let server = Server::start();
    assert_eq!(server.cli(&["PING"]), "PONG\n");
    assert_eq!(server.cli(&["SET", "greeting", "hello world"]), "OK\n");
    assert_eq!(server.cli(&["GET", "greeting"]), "hello world\n");
    assert_eq!(server.cli(&["GET", "missing"]), "\n");
    assert_eq!(server.cli(&["INCR", "counter"]), "1\n");
    assert_eq!(server.cli(&["INCR", "counter"]), "2\n");
    assert_eq!(server.cli(&["DECR", "counter"]), "1\n");
    assert_eq!(server.cli(&["INCR", "greeting"]), "ERR value is not an integer or out of range\n\n");
    assert_eq!(server.cli(&["SET", "greeting", "again", "NX"]), "\n");
    assert_eq!(server.cli(&["MSET", "a", "1", "b", "2"]), "OK\n");
    assert_eq!(server.cli(&["MGET", "a", "missing", "b"]), "1\n\n2\n");
    assert_eq!(server.cli(&["EXISTS", "a", "b", "missing"]), "2\n");
    assert_eq!(server.cli(&["DEL", "a", "missing"]), "1\n");
    assert_eq!(server.cli(&["DBSIZE"]), "3\n");
    assert_eq!(server.cli(&["ECHO", "hi"]), "hi\n");
    assert_eq!(server.cli(&["COMMAND", "DOCS"]), "\n");
    assert_eq!(server.cli(&["FLUSHDB"]), "OK\n");
    assert_eq!(server.cli(&["DBSIZE"]), "0\n");
}

#[test]
fn expire_and_ttl_with_redis_cli() {
    let server = Server::start();
    assert_eq!(server.cli(&["SET", "k", "v"]), "OK\n");
    assert_eq!(server.cli(&["TTL", "k"]), "-1\n");
    assert_eq!(server.cli(&["TTL", "missing"]), "-2\n");
    assert_eq!(server.cli(&["EXPIRE", "k", "100"]), "1\n");
    let ttl: i64 = server.cli(&["TTL", "k"]).trim().parse().unwrap();
    assert!((90..=100).contains(&ttl), "ttl {ttl}");
    assert_eq!(server.cli(&["EXPIRE", "missing", "100"]), "0\n");
    assert_eq!(server.cli(&["SET", "k", "v2"]), "OK\n", "a plain SET clears the TTL");
    assert_eq!(server.cli(&["TTL", "k"]), "-1\n");
    assert_eq!(server.cli(&["SET", "k", "v", "EX", "0"]), "ERR invalid expire time in 'set' command\n\n");

    // Keys with a short TTL are evicted by the expirer: DBSIZE counts keys
    // not yet evicted, and no command touches them.
    let set_at = Instant::now();
    assert_eq!(server.cli(&["SET", "short1", "v", "PX", "30"]), "OK\n");
    assert_eq!(server.cli(&["SET", "short2", "v", "EX", "1"]), "OK\n");
    assert_eq!(server.cli(&["PEXPIRE", "k", "60"]), "1\n");
    let start = Instant::now();
    loop {
        let size = server.cli(&["DBSIZE"]);
        if size == "0\n" {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "keys were not evicted: DBSIZE {size}");
        thread::sleep(Duration::from_millis(50)); // polling, not ordering
    }
    assert!(set_at.elapsed() >= Duration::from_secs(1), "evicted before its TTL");
    assert_eq!(server.cli(&["GET", "short1"]), "\n");
}

#[test]
fn pipe_mode_runs_many_commands() {
    let server = Server::start();
    let mut script = Vec::new();
    for i in 0..2_000 {
        script.extend_from_slice(format!("SET key:{i} value:{i}\r\n").as_bytes());
        script.extend_from_slice(&request(&[b"INCR", b"hits"]));
    }
    let out = server.cli_with_input(&["--pipe"], Some(script));
    assert!(out.contains("errors: 0, replies: 4000"), "{out}");
    assert_eq!(server.cli(&["GET", "key:1999"]), "value:1999\n");
    assert_eq!(server.cli(&["GET", "hits"]), "2000\n");
    assert_eq!(server.cli(&["DBSIZE"]), "2001\n");
}

#[test]
fn errors_keep_the_connection_like_redis() {
    let server = Server::start();
    assert_eq!(
        server.cli(&["foo", "bar", "baz"]),
        "ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \n\n"
    );
    assert_eq!(server.cli(&["GET"]), "ERR wrong number of arguments for 'get' command\n\n");

    let mut conn = server.connect();
    let mut batch = request(&[b"NOPE"]);
    batch.extend_from_slice(&request(&[b"SET", b"n", b"x"]));
    batch.extend_from_slice(&request(&[b"INCR", b"n"]));
    batch.extend_from_slice(&request(&[b"SET", b"k", b"v", b"bogus"]));
    batch.extend_from_slice(b"PING\r\n");
    conn.write_all(&batch).unwrap();
    expect_reply(
        &mut conn,
        b"-ERR unknown command 'NOPE', with args beginning with: \r\n\
          +OK\r\n\
          -ERR value is not an integer or out of range\r\n\
          -ERR syntax error\r\n\
          +PONG\r\n",
    );
}

#[test]
fn pipelined_script_in_one_write() {
    let server = Server::start();
    let mut conn = server.connect();
    let mut script = Vec::new();
    script.extend_from_slice(&request(&[b"SET", b"a", b"1"]));
    script.extend_from_slice(b"set b 'two words'\r\n");
    script.extend_from_slice(b"\r\n"); // an empty inline line is skipped
    script.extend_from_slice(&request(&[b"INCR", b"a"]));
    script.extend_from_slice(b"*0\r\n");
    script.extend_from_slice(&request(&[b"MGET", b"a", b"b", b"c"]));
    script.extend_from_slice(b"EXISTS a b c\n");
    // Split mid-request: the rest arrives in a second write.
    let (first, second) = script.split_at(script.len() - 7);
    conn.write_all(first).unwrap();
    conn.flush().unwrap();
    conn.write_all(second).unwrap();
    expect_reply(&mut conn, b"+OK\r\n+OK\r\n:2\r\n*3\r\n$1\r\n2\r\n$9\r\ntwo words\r\n$-1\r\n:2\r\n");
    conn.write_all(b"QUIT\r\n").unwrap();
    assert_eq!(read_to_close(&mut conn), "+OK\r\n");
}

#[test]
fn large_replies_are_written_in_parts() {
    let server = Server::start();
    let mut conn = server.connect();
    let values: Vec<Vec<u8>> = (0..40u8).map(|i| vec![b'a' + i % 26; 10_000]).collect();
    let mut batch = Vec::new();
    let mut mget: Vec<&[u8]> = vec![b"MGET"];
    let keys: Vec<String> = (0..values.len()).map(|i| format!("big{i}")).collect();
    for (key, value) in keys.iter().zip(&values) {
        batch.extend_from_slice(&request(&[b"SET", key.as_bytes(), value]));
        mget.push(key.as_bytes());
    }
    batch.extend_from_slice(&request(&mget));
    batch.extend_from_slice(&request(&[b"PING"]));
    conn.write_all(&batch).unwrap();

    // 400 KB of MGET reply, through a 64 KiB output buffer.
    let mut expected = b"+OK\r\n".repeat(values.len());
    expected.extend_from_slice(format!("*{}\r\n", values.len()).as_bytes());
    for value in &values {
        expected.extend_from_slice(format!("${}\r\n", value.len()).as_bytes());
        expected.extend_from_slice(value);
        expected.extend_from_slice(b"\r\n");
    }
    expected.extend_from_slice(b"+PONG\r\n");
    let mut got = vec![0; expected.len()];
    conn.read_exact(&mut got).expect("MGET reply");
    assert!(got == expected, "MGET reply differs");
}

#[test]
fn protocol_errors_close_the_connection() {
    let server = Server::start();
    let mut conn = server.connect();
    conn.write_all(b"PING\r\n*x\r\nPING\r\n").unwrap();
    assert_eq!(read_to_close(&mut conn), "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n");

    let mut conn = server.connect();
    conn.write_all(b"*1\r\n+PING\r\n").unwrap();
    assert_eq!(read_to_close(&mut conn), "-ERR Protocol error: expected '$', got '+'\r\n");

    // An inline request larger than the 64 KiB buffer (a multibulk one is
    // read into memory).
    let mut conn = server.connect();
    let mut inline = b"SET huge ".to_vec();
    inline.extend_from_slice(&[b'x'; 100_000]);
    inline.extend_from_slice(b"\r\n");
    conn.write_all(&inline).unwrap();
    assert_eq!(read_to_close(&mut conn), "-ERR Protocol error: request larger than the 65536-byte buffer\r\n");

    // The server still serves others.
    assert_eq!(server.cli(&["PING"]), "PONG\n");
}

/// `len` bytes of deterministic noise (every byte value, `\r\n` included).
fn noise(len: usize, seed: u64) -> Vec<u8> {
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

/// A bulk reply.
fn bulk_reply(value: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", value.len()).into_bytes();
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
    out
}

/// Reads exactly `expected.len()` bytes and compares them (without
/// printing megabytes when they differ).
fn expect_bytes(stream: &mut TcpStream, expected: &[u8], what: &str) {
    let mut got = vec![0; expected.len()];
    stream.read_exact(&mut got).unwrap_or_else(|e| panic!("{what}: {e}"));
    if let Some(at) = got.iter().zip(expected).position(|(a, b)| a != b) {
        panic!("{what}: differs at byte {at} of {}", expected.len());
    }
}

#[test]
fn values_larger_than_the_buffer_with_redis_cli() {
    let server = Server::start();
    let value = noise(10_000_000, 1);
    assert_eq!(server.cli_with_input(&["-x", "SET", "big"], Some(value.clone())), "OK\n");
    let got = server.cli_bytes(&["GET", "big"], None);
    assert_eq!(got.len(), value.len() + 1, "GET returned {} bytes", got.len());
    assert!(got[..value.len()] == value[..] && got[value.len()] == b'\n', "GET returned other bytes");
    assert_eq!(server.cli(&["DBSIZE"]), "1\n");
}

#[test]
fn large_values_keep_pipelined_replies_in_order() {
    let server = Server::start();
    let mut conn = server.connect();
    let (big, medium) = (noise(3_000_000, 2), noise(100_000, 3));
    // Requests larger than the buffer amid small ones, an MSET with two of
    // them, and more large replies than the output queue holds (8).
    let mut batch = request(&[b"SET", b"big", &big, b"EX", b"1000"]);
    batch.extend_from_slice(&request(&[b"PING"]));
    batch.extend_from_slice(&request(&[b"MSET", b"m1", &medium, b"m2", &big]));
    batch.extend_from_slice(&request(&[b"ECHO", &medium]));
    for _ in 0..12 {
        batch.extend_from_slice(&request(&[b"GET", b"m1"]));
    }
    batch.extend_from_slice(&request(&[b"MGET", b"big", b"missing", b"m1", b"m2"]));
    batch.extend_from_slice(b"GET missing\r\n");
    let writer = {
        let mut conn = conn.try_clone().unwrap();
        thread::spawn(move || conn.write_all(&batch).expect("write the batch"))
    };
    let mut expected = b"+OK\r\n+PONG\r\n+OK\r\n".to_vec();
    expected.extend_from_slice(&bulk_reply(&medium));
    for _ in 0..12 {
        expected.extend_from_slice(&bulk_reply(&medium));
    }
    expected.extend_from_slice(b"*4\r\n");
    expected.extend_from_slice(&bulk_reply(&big));
    expected.extend_from_slice(b"$-1\r\n");
    expected.extend_from_slice(&bulk_reply(&medium));
    expected.extend_from_slice(&bulk_reply(&big));
    expected.extend_from_slice(b"$-1\r\n");
    expect_bytes(&mut conn, &expected, "pipelined replies");
    writer.join().unwrap();
    conn.write_all(&request(&[b"TTL", b"m2"])).unwrap();
    expect_reply(&mut conn, b":-1\r\n");
    assert_eq!(server.cli(&["EXPIRE", "big", "1000", "LT"]), "0\n", "the TTL of 1000 s was kept");
}

#[test]
fn bulks_longer_than_the_maximum_close_the_connection() {
    let server = Server::start_with(&["--proto-max-bulk-len", "100kb"]);
    let mut conn = server.connect();
    let largest = vec![b'x'; 100 * 1024];
    conn.write_all(&request(&[b"SET", b"k", &largest])).unwrap();
    expect_reply(&mut conn, b"+OK\r\n");
    conn.write_all(&request(&[b"SET", b"k", &[b'x'; 100 * 1024 + 1]])).unwrap();
    assert_eq!(read_to_close(&mut conn), "-ERR Protocol error: invalid bulk length\r\n");

    // Found while a request larger than the buffer is read in.
    let mut conn = server.connect();
    conn.write_all(&request(&[b"MSET", b"a", &largest, b"b", &[b'y'; 200_000]])).unwrap();
    assert_eq!(read_to_close(&mut conn), "-ERR Protocol error: invalid bulk length\r\n");

    // Nothing of it was run, and the server serves others.
    let got = server.cli_bytes(&["GET", "k"], None);
    assert!(got.len() == largest.len() + 1 && got[..largest.len()] == largest[..], "k changed");
    assert_eq!(server.cli(&["EXISTS", "a", "b"]), "0\n");
}

#[test]
fn slow_readers_share_one_copy_of_a_value() {
    const CLIENTS: usize = 100;
    const VALUE: usize = 1 << 20;
    // Per client: more reply than loopback's send buffer takes (it grows to
    // about 4 MiB), so the server holds the rest until the client reads.
    const GETS: usize = 8;
    let server = Server::start();
    let before = server.memory_kib("VmRSS");
    let value = noise(VALUE, 4);
    let mut setter = server.connect();
    setter.write_all(&request(&[b"SET", b"v", &value])).unwrap();
    expect_reply(&mut setter, b"+OK\r\n");

    // Every client asks, and reads only the first `$len` line until all
    // have asked.
    let header = format!("${VALUE}\r\n");
    let gets = request(&[b"GET", b"v"]).repeat(GETS);
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| server.connect()).collect();
    for client in &mut clients {
        client.write_all(&gets).unwrap();
    }
    for client in &mut clients {
        expect_reply(client, header.as_bytes());
    }
    let replying = server.memory_kib("VmRSS");

    // Then each reads the rest in small pieces.
    let mut expected = bulk_reply(&value).repeat(GETS);
    expected.drain(..header.len());
    let mut piece = vec![0; 16 * 1024];
    for client in &mut clients {
        let mut got = 0;
        while got < expected.len() {
            let n = client.read(&mut piece).expect("read a piece");
            assert!(n > 0 && got + n <= expected.len(), "closed, or more than asked, after {got} bytes");
            assert!(piece[..n] == expected[got..got + n], "the reply differs after {got} bytes");
            got += n;
        }
    }

    // A copy per reply would be gigabytes, a copy per client 100 MiB; one
    // shared value is 1 MiB, plus buffers and allocator slack.
    let peak = server.memory_kib("VmHWM");
    let growth = peak.saturating_sub(before);
    assert!(
        growth < (VALUE as u64 + (16 << 20)) / 1024,
        "RSS grew by {growth} KiB ({before} KiB before, {replying} KiB while replying, peak {peak} KiB)"
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start();
    assert_eq!(server.cli(&["SET", "k", "v"]), "OK\n");
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < DEADLINE, "resp_kv did not exit on SIGTERM");
        thread::sleep(Duration::from_millis(20)); // polling, not ordering
    };
    assert!(status.success(), "exit status {status}");
}
