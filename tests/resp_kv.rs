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
        let mut child = Command::new(server_binary())
            .arg("127.0.0.1:0")
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
        String::from_utf8(out.stdout).expect("utf-8 output")
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

    // A request larger than the 64 KiB buffer.
    let mut conn = server.connect();
    conn.write_all(&request(&[b"SET", b"huge", &[b'x'; 100_000]])).unwrap();
    assert_eq!(read_to_close(&mut conn), "-ERR Protocol error: request larger than the 65536-byte buffer\r\n");

    // The server still serves others.
    assert_eq!(server.cli(&["PING"]), "PONG\n");
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
