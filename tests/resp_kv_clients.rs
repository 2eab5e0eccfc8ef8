//! The `resp_kv` example against the clients people use (issue 15):
//! redis-py as a new user runs it (`tests/resp_kv_clients.py`), and
//! `redis-cli` for transactions read from its standard input and the
//! errors a client library meets at connect (SELECT, HELLO), plus raw RESP
//! for the bounds of a transaction.
//!
//! Each test starts its own server on a free loopback port and kills it by
//! PID when done; every wait is bounded. redis-py comes from PyPI
//! (`python3 -m pip install redis`) and `redis-cli` from Debian's
//! `redis-tools`; without them the tests fail and say how to install them.
//! `RESP_KV_PYTHON` names another Python (a virtualenv with another
//! redis-py, say).

mod util;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

use util::example::{wait_bounded, ExampleServer};
use util::DEADLINE;

/// How long the redis-py script may run (it sends a few thousand commands).
const SCRIPT_DEADLINE: Duration = Duration::from_secs(120);

/// What a finished child wrote.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with `input` on its standard input, killing it (by PID)
/// after `limit`. `Err` if it cannot be started.
fn run(cmd: &mut Command, input: &[u8], limit: Duration) -> std::io::Result<Ran> {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(&input); // closes stdin when done
    });
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped stderr")));
    let status = wait_bounded(&mut child, limit).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{cmd:?} still running after {limit:?}, killed");
    });
    let _ = writer.join();
    Ok(Ran { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() })
}

fn start() -> (ExampleServer, String) {
    start_with(&[])
}

/// Starts a server with more command-line arguments; returns it and its port.
fn start_with(args: &[&str]) -> (ExampleServer, String) {
    let server = ExampleServer::start("resp_kv", &[&["127.0.0.1:0"], args].concat());
    let port = server.address.rsplit(':').next().expect("ADDR:PORT").to_owned();
    (server, port)
}

/// `redis-cli -p PORT args...` with `input` on its standard input.
fn cli(port: &str, args: &[&str], input: &str) -> Ran {
    let ran = run(Command::new("redis-cli").args(["-p", port]).args(args), input.as_bytes(), DEADLINE);
    let ran = ran.unwrap_or_else(|e| {
        panic!("redis-cli: {e}: install it with .ci/run (Debian's redis-tools), or `apt-get install redis-tools`")
    });
    assert!(ran.status.success(), "redis-cli {args:?} failed: {}", ran.stderr);
    ran
}

#[test]
fn redis_py_passes_the_client_matrix() {
    let (_server, port) = start();
    let python = std::env::var("RESP_KV_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/resp_kv_clients.py");
    let ran = run(Command::new(&python).arg(&script).arg(&port), b"", SCRIPT_DEADLINE).unwrap_or_else(|e| {
        panic!("{python}: {e}: these tests need Python 3 with redis-py (`python3 -m pip install redis`)")
    });
    if ran.status.code() == Some(77) {
        panic!(
            "redis-py is not installed for {python}: `python3 -m pip install redis` \
             (CI installs it), or set RESP_KV_PYTHON to a Python that has it"
        );
    }
    assert!(ran.status.success(), "{} failed ({}):\n{}\n{}", script.display(), ran.status, ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("groups of checks passed"), "{}", ran.stdout);
    println!("{}", ran.stdout.trim_end());
}

#[test]
fn redis_cli_runs_transactions_from_stdin() {
    let (_server, port) = start();
    let script = "MULTI\nSET n 1\nINCR n\nAPPEND log a\nMGET n missing\nEXEC\nGET n\n";
    // Without a terminal redis-cli prints raw replies, arrays flattened.
    assert_eq!(cli(&port, &[], script).stdout, "OK\nQUEUED\nQUEUED\nQUEUED\nQUEUED\nOK\n2\n1\n2\n\n2\n");

    // An unknown command while queueing aborts EXEC, as in Redis.
    let script = "MULTI\nSET lost 1\nNOSUCH x\nEXEC\nEXISTS lost\n";
    assert_eq!(
        cli(&port, &[], script).stdout,
        "OK\nQUEUED\nERR unknown command 'NOSUCH', with args beginning with: 'x' \n\n\
         EXECABORT Transaction discarded because of previous errors.\n\n0\n"
    );

    // So does a wrong number of arguments; DISCARD drops the queue.
    let script = "MULTI\nGET\nEXEC\nMULTI\nSET dropped 1\nDISCARD\nEXISTS dropped\nEXEC\n";
    assert_eq!(
        cli(&port, &[], script).stdout,
        "OK\nERR wrong number of arguments for 'get' command\n\n\
         EXECABORT Transaction discarded because of previous errors.\n\n\
         OK\nQUEUED\nOK\n0\nERR EXEC without MULTI\n\n"
    );
    assert_eq!(cli(&port, &["MULTI"], "").stdout, "OK\n");
    assert_eq!(cli(&port, &["EXEC"], "").stdout, "ERR EXEC without MULTI\n\n", "a MULTI ends with its connection");
}

#[test]
fn redis_cli_meets_clear_errors() {
    let (_server, port) = start();
    assert_eq!(cli(&port, &["SELECT", "0"], "").stdout, "OK\n");
    assert_eq!(cli(&port, &["SELECT", "1"], "").stdout, "ERR DB index is out of range\n\n");
    assert_eq!(cli(&port, &["HELLO", "3"], "").stdout, "NOPROTO sorry, this protocol version is not supported\n\n");
    assert_eq!(
        cli(&port, &["foo", "bar", "baz"], "").stdout,
        "ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \n\n"
    );
    // `-n 1` selects at connect, `-3` asks for RESP3: refused, said, and the
    // command still runs on database 0 over RESP2.
    let ran = cli(&port, &["-n", "1", "PING"], "");
    assert_eq!((ran.stdout.as_str(), ran.stderr.trim()), ("PONG\n", "SELECT 1 failed: ERR DB index is out of range"));
    let ran = cli(&port, &["-3", "PING"], "");
    assert_eq!(
        (ran.stdout.as_str(), ran.stderr.trim()),
        ("PONG\n", "HELLO 3 failed: NOPROTO sorry, this protocol version is not supported")
    );
    assert_eq!(
        cli(&port, &["CLIENT", "SETNAME", "two words"], "").stdout.lines().next(),
        Some("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    // The bulk as it is, CRLF line ends and all.
    let info = cli(&port, &["INFO", "server"], "").stdout;
    assert!(info.starts_with("# Server\r\nredis_version:7.0.0\r\n"), "{info}");
    assert!(info.contains(&format!("\r\ntcp_port:{port}\r\n")), "{info}");
}

/// Sends `requests` on one connection and reads exactly as many bytes as
/// `expected` has.
fn exchange(port: &str, requests: &[u8], expected: &[u8]) {
    let mut conn = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    conn.set_read_timeout(Some(DEADLINE)).unwrap();
    conn.write_all(requests).unwrap();
    let mut got = vec![0; expected.len()];
    conn.read_exact(&mut got).expect("replies");
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(expected));
}

#[test]
fn a_transaction_holds_at_most_proto_max_bulk_len_bytes_of_arguments() {
    let (_server, port) = start_with(&["--proto-max-bulk-len", "1kb"]);
    let value = "v".repeat(600);
    let set = |key: &str| format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$600\r\n{value}\r\n", key.len());
    let requests = format!("MULTI\r\n{}{}PING\r\nEXEC\r\nEXISTS a b\r\n", set("a"), set("b"));
    exchange(
        &port,
        requests.as_bytes(),
        b"+OK\r\n+QUEUED\r\n\
          -ERR Transaction too large: at most 1024 commands and 1024 bytes of arguments\r\n\
          +QUEUED\r\n\
          -EXECABORT Transaction discarded because of previous errors.\r\n:0\r\n",
    );
}

#[test]
fn a_transaction_holds_at_most_1024_commands() {
    let (_server, port) = start();
    let mut requests = b"MULTI\r\n".to_vec();
    let mut expected = b"+OK\r\n".to_vec();
    for _ in 0..1024 {
        requests.extend_from_slice(b"INCR n\r\n");
        expected.extend_from_slice(b"+QUEUED\r\n");
    }
    requests.extend_from_slice(b"INCR n\r\nEXEC\r\nGET n\r\nMULTI\r\nINCR n\r\nEXEC\r\n");
    expected
        .extend_from_slice(b"-ERR Transaction too large: at most 1024 commands and 536870912 bytes of arguments\r\n");
    expected.extend_from_slice(b"-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n");
    expected.extend_from_slice(b"+OK\r\n+QUEUED\r\n*1\r\n:1\r\n");
    exchange(&port, &requests, &expected);
}

#[test]
fn exec_replies_larger_than_the_output_arrive_whole_and_in_order() {
    let (_server, port) = start();
    let value = "x".repeat(3_000); // copied into the output, not queued
    let mut requests = format!("SET k {value}\r\nMULTI\r\n").into_bytes();
    let mut expected = b"+OK\r\n+OK\r\n".to_vec();
    for _ in 0..200 {
        requests.extend_from_slice(b"GET k\r\n");
        expected.extend_from_slice(b"+QUEUED\r\n");
    }
    requests.extend_from_slice(b"EXEC\r\nPING\r\n");
    expected.extend_from_slice(b"*200\r\n");
    for _ in 0..200 {
        expected.extend_from_slice(format!("$3000\r\n{value}\r\n").as_bytes());
    }
    expected.extend_from_slice(b"+PONG\r\n");
    exchange(&port, &requests, &expected);
}

#[test]
fn keys_and_scan_replies_larger_than_the_output_arrive_whole() {
    let (_server, port) = start();
    let keys: Vec<String> = (0..5_000).map(|i| format!("a-rather-long-key-name:{i:05}")).collect();
    let mut mset = format!("*{}\r\n$4\r\nMSET\r\n", 1 + 2 * keys.len());
    for key in &keys {
        mset.push_str(&format!("${}\r\n{key}\r\n$1\r\nv\r\n", key.len()));
    }
    exchange(&port, mset.as_bytes(), b"+OK\r\n");
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    // About 190 KB of reply, three times the output buffer.
    assert!(sorted(cli(&port, &["KEYS", "a-rather-long-key-name:*"], "").stdout) == keys, "KEYS");
    // One call covers all: cursor 0 first, then the keys.
    let scanned = cli(&port, &["SCAN", "0", "MATCH", "*:0????", "COUNT", "100000"], "").stdout;
    let (cursor, scanned) = scanned.split_once('\n').expect("a cursor line");
    assert!(cursor == "0" && sorted(scanned.to_owned()) == keys, "SCAN with a large COUNT");
    // redis-cli's own loop, ten slots a call.
    let scanned = cli(&port, &["--scan", "--pattern", "*:01???"], "").stdout;
    assert!(sorted(scanned) == keys[1_000..2_000], "SCAN ten slots at a time");
}
