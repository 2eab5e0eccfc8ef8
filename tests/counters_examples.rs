//! The examples serve their loop's counters: `resp_kv` answers
//! `INFO clients` / `INFO stats` (read by `redis-cli`), `http_hello` serves
//! `/stats` (read by curl). Each test starts its own server on a free port
//! and bounds every wait.

mod util;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;

use util::example::ExampleServer;
use util::DEADLINE;

/// Runs `cmd` to completion and returns its standard output; the client
/// must be installed (`.ci/run` installs curl and redis-tools).
fn run(cmd: &mut Command) -> String {
    let what = format!("{cmd:?}");
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let child = child.unwrap_or_else(|e| panic!("{what}: cannot start ({e}); .ci/run installs curl and redis-cli"));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(out) = rx.recv_timeout(DEADLINE) else {
        let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        panic!("{what}: still running after {DEADLINE:?}, killed");
    };
    let out = out.unwrap();
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The value of `field` in `name: value` / `name:value` lines.
fn field(text: &str, field: &str) -> u64 {
    let line = text.lines().find_map(|l| l.strip_prefix(field)).unwrap_or_else(|| panic!("no {field} in:\n{text}"));
    line.trim_start_matches(':').trim().parse().unwrap_or_else(|_| panic!("{field}: not a number in:\n{text}"))
}

#[test]
fn resp_kv_answers_info_clients_and_stats_through_redis_cli() {
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0"]);
    let port = server.address.rsplit(':').next().unwrap().to_string();
    let cli = |args: &[&str]| run(Command::new("redis-cli").args(["-p", &port]).args(args));
    // Two clients that stay, one that did a round trip and left.
    let mut a = TcpStream::connect(&server.address).unwrap();
    let _b = TcpStream::connect(&server.address).unwrap();
    a.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n").unwrap();
    let mut ok = [0; 5];
    a.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"+OK\r\n");
    assert_eq!(cli(&["GET", "k"]), "hello\n");

    let clients = cli(&["INFO", "clients"]);
    assert!(clients.starts_with("# Clients\r\n"), "{clients:?}");
    assert_eq!(field(&clients, "connected_clients"), 3, "a, b and this redis-cli");
    assert!(!clients.contains("# Stats"), "{clients}");

    let stats = cli(&["INFO", "stats"]);
    assert!(stats.starts_with("# Stats\r\n"), "{stats:?}");
    assert_eq!(field(&stats, "total_connections_received"), 5, "a, b and three redis-cli");
    assert!(field(&stats, "total_net_input_bytes") > 30);
    assert!(field(&stats, "total_net_output_bytes") >= 5);
    assert_eq!(field(&stats, "mio_machines_created"), 3 + 5, "listener, signal watcher, expirer, 5 clients");
    assert_eq!(field(&stats, "mio_machines_alive"), 3 + 3);
    assert_eq!(field(&stats, "mio_buffers_in_use"), 0);
    assert!(field(&stats, "mio_turns") > 0 && field(&stats, "mio_readiness_events") > 0);

    // No section: every section (server, clients, stats, keyspace), apart
    // by blank lines, as Redis's default.
    let all = cli(&["INFO"]);
    assert!(all.starts_with("# Server\r\n"), "{all:?}");
    assert!(all.contains("\r\n\r\n# Clients\r\n") && all.contains("\r\n\r\n# Stats\r\n"), "{all:?}");
    assert_eq!(cli(&["INFO", "no-such-section"]), "", "an unknown section adds nothing");
    drop(a);
    assert!(server.terminate().success());
}

/// Sends `GET path` on `s` and reads the response's body (by its
/// `Content-Length`).
fn get(s: &mut TcpStream, path: &str) -> String {
    write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let mut byte = [0; 1];
    while !response.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        response.push(byte[0]);
    }
    let head = String::from_utf8(response).unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let length = field(&head.to_ascii_lowercase(), "content-length") as usize;
    let mut body = vec![0; length];
    s.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

#[test]
fn http_hello_serves_stats_and_still_says_hello() {
    let mut server = ExampleServer::start("http_hello", &["127.0.0.1:0", "10000"]);
    let url = |path: &str| format!("http://{}/{path}", server.address);
    let curl =
        |args: &[&str]| run(Command::new("curl").args(["--silent", "--show-error", "--max-time", "20"]).args(args));
    // An idle keep-alive connection: accepted by the time curl's is, and
    // then waiting in `Request`.
    let _idle = TcpStream::connect(&server.address).unwrap();
    assert_eq!(curl(&[&url("")]), "Hello, world!");
    let stats = curl(&[&url("stats")]);
    assert!(stats.contains("accepts: 3\n") && stats.contains("state.Http.Linger: 0\n"), "{stats}");

    // On a kept connection the second answer counts the asker too: it is
    // in `Request` from the end of its first round.
    let mut s = TcpStream::connect(&server.address).unwrap();
    assert!(get(&mut s, "/stats").contains("state.Http.Request: "));
    let stats = get(&mut s, "/stats");
    assert_eq!(field(&stats, "accepts"), 4, "{stats}");
    assert_eq!(field(&stats, "machines_alive"), 2 + 2, "listener, signal watcher, idle, asker");
    assert_eq!(field(&stats, "state.Http.Request"), 2, "idle, asker");
    assert_eq!(field(&stats, "state.Http.Respond"), 0);
    assert_eq!(field(&stats, "machines_failed"), 0);
    assert!(field(&stats, "bytes_written") > 200);
    assert_eq!(get(&mut s, "/again"), "Hello, world!");
    assert_eq!(curl(&[&url("stats"), &url("stats")]).matches("turns: ").count(), 2, "two answers, one connection");
    assert!(server.terminate().success());
}
