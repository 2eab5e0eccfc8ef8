//! examples/http_hello.rs as a real server, driven by curl (keep-alive
//! reuse, a POST body, 400, 431) and by plain Rust clients for what curl
//! does not send (malformed heads, pipelining, a request that stops halfway).
//! Every wait is bounded; each test kills the server it started. Also
//! `http_hello --dot`, the state graph the README shows.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use util::example::{example_binary, wait_bounded, ExampleServer};
use util::DEADLINE;

const HELLO: &str = "Hello, world!";

/// Starts http_hello on a free port with a request deadline of `deadline_ms`.
fn start(deadline_ms: u64) -> ExampleServer {
    ExampleServer::start("http_hello", &["127.0.0.1:0", &deadline_ms.to_string()])
}

/// Runs curl with `args` (plus `--max-time`), bounded by [`DEADLINE`].
///
/// # Panics
///
/// With instructions if curl is not installed: .ci/run installs it.
fn curl(args: &[&str]) -> Output {
    let installed = Command::new("curl").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    assert!(
        installed,
        "these tests drive http_hello with curl, which is not installed here: \
         run .ci/run (it installs the clients the tests need), or `apt-get install curl`"
    );
    let max = DEADLINE.as_secs().to_string();
    let mut child = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", &max])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl");
    // Read both pipes on threads so a chatty curl cannot block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let status = wait_bounded(&mut child, DEADLINE + Duration::from_secs(2)).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("curl {args:?} ran longer than {DEADLINE:?}");
    });
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A client connection whose reads give up after [`DEADLINE`].
fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.set_write_timeout(Some(DEADLINE)).unwrap();
    s
}

/// Reads until the server closes; panics if it does not within [`DEADLINE`].
fn read_to_eof(s: &mut TcpStream) -> String {
    let mut all = Vec::new();
    match s.read_to_end(&mut all) {
        Ok(_) => text(&all),
        Err(e) => panic!("no EOF from the server ({e}); got {:?}", text(&all)),
    }
}

/// Sends `request` on a fresh connection; returns everything until EOF.
fn exchange(addr: &str, request: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(request).unwrap();
    read_to_eof(&mut s)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("/proc/PID/fd").count()
}

/// `http_hello --dot` prints the protocol's state graph (`Http::GRAPH_DOT`,
/// what scripts/render-graphs.sh draws) and exits.
#[test]
fn dot_prints_the_state_graph_and_exits() {
    let mut child = Command::new(example_binary("http_hello"))
        .arg("--dot")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("http_hello");
    let status = wait_bounded(&mut child, DEADLINE).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("http_hello --dot ran longer than {DEADLINE:?}");
    });
    let mut dot = String::new();
    child.stdout.take().unwrap().read_to_string(&mut dot).unwrap();
    assert!(status.success(), "{dot}");
    assert!(dot.starts_with("digraph \"Http\" {\n") && dot.ends_with("}\n"), "{dot}");
    assert!(dot.contains("\"(start)\" -> \"Request\";") && dot.contains("\"Closed\" [peripheries=2];"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 8, "the start arrow and the 7 declared transitions: {dot}");
}

#[test]
fn curl_reuses_one_connection_for_three_requests() {
    let mut server = start(10_000);
    let url = |path: &str| format!("http://{}/{path}", server.address);
    let out = curl(&["--verbose", &url("a"), &url("b"), &url("c")]);
    let (stdout, log) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{log}");
    assert_eq!(stdout, HELLO.repeat(3));
    // curl 7.88: "Re-using existing connection #0 with host ..."; later
    // versions word it differently after "Re-using existing".
    assert_eq!(log.matches("Re-using existing").count(), 2, "{log}");
    assert_eq!(log.matches("Connected to").count(), 1, "{log}");
    assert!(server.terminate().success());
}

#[test]
fn curl_posts_bodies_that_are_read_and_dropped() {
    let mut server = start(10_000);
    let path = std::env::temp_dir().join(format!("mio-http-hello-body-{}", std::process::id()));
    // 1.5 MiB: many reads, and large enough for curl to send `Expect: 100-continue`.
    let body: Vec<u8> = (0..1_536 * 1024).map(|i: u32| (i % 251) as u8).collect();
    std::fs::write(&path, &body).unwrap();
    let url = format!("http://{}/", server.address);
    let data = format!("@{}", path.display());
    // The GET after it reuses the connection: it parses only if the body was dropped exactly.
    let out = curl(&["--verbose", "--data-binary", &data, &url, "--next", &format!("{url}after")]);
    let _ = std::fs::remove_file(&path);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert_eq!(text(&out.stdout), HELLO.repeat(2));
    assert!(log.contains("Content-Length: 1572864"), "{log}");
    assert!(log.contains("HTTP/1.1 100 Continue"), "{log}");
    assert_eq!(log.matches("Re-using existing").count(), 1, "{log}");
    assert!(server.terminate().success());
}

#[test]
fn curl_gets_400_for_a_malformed_request_line_and_431_for_a_huge_head() {
    let mut server = start(10_000);
    let url = format!("http://{}/", server.address);
    let code = |args: &[&str]| {
        let out = curl(&[&["--output", "/dev/null", "--write-out", "%{http_code}"], args, &[&url]].concat());
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // `GET two words HTTP/1.1`: four parts, not three.
    assert_eq!(code(&["--request-target", "two words"]), "400");
    let big = format!("X-Big: {}", "a".repeat(9_000));
    assert_eq!(code(&["--header", &big]), "431");
    assert_eq!(code(&[]), "200", "the server still serves");
    assert!(server.terminate().success());
}

#[test]
fn malformed_heads_get_400_or_501_and_the_connection_closes() {
    let mut server = start(10_000);
    let bad = [
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / http/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    ];
    for request in bad {
        let reply = exchange(&server.address, request.as_bytes());
        assert!(reply.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{request:?} -> {reply:?}");
        assert!(reply.contains("\r\nConnection: close\r\n"), "{request:?} -> {reply:?}");
    }
    let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    let reply = exchange(&server.address, chunked.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{reply:?}");
    // A well-formed request after a bad one in the same segment is not served.
    let reply = exchange(&server.address, b"BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    assert_eq!(reply.matches("HTTP/1.1 ").count(), 1, "{reply:?}");
    assert!(server.terminate().success());
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let mut server = start(10_000);
    let mut s = connect(&server.address);
    let request = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
                   POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
                   GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n\
                   GET /d HTTP/1.1\r\nConnection: close\r\n\r\n\
                   GET /never HTTP/1.1\r\n\r\n";
    s.write_all(request.as_bytes()).unwrap();
    let reply = read_to_eof(&mut s);
    let connection: Vec<&str> = reply
        .split("HTTP/1.1 200 OK\r\n")
        .skip(1)
        .map(|r| {
            assert!(r.ends_with(HELLO), "{reply:?}");
            r.lines().find(|l| l.starts_with("Connection: ")).unwrap_or("-")
        })
        .collect();
    assert_eq!(connection, ["-", "-", "Connection: keep-alive", "Connection: close"], "{reply:?}");
    assert!(server.terminate().success());
}

#[test]
fn many_pipelined_requests_fill_and_drain_the_output_buffer() {
    let mut server = start(10_000);
    let s = connect(&server.address);
    let mut writer = s.try_clone().unwrap();
    const N: usize = 1_000;
    let requests: String = (0..N).map(|i| format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n")).collect();
    let typist = thread::spawn(move || writer.write_all((requests + "GET / HTTP/1.0\r\n\r\n").as_bytes()));
    let mut s = s;
    let reply = read_to_eof(&mut s);
    typist.join().unwrap().unwrap();
    assert_eq!(reply.matches("HTTP/1.1 200 OK\r\n").count(), N + 1);
    assert_eq!(reply.matches(HELLO).count(), N + 1);
    assert!(reply.ends_with(&format!("Connection: close\r\nContent-Length: 13\r\n\r\n{HELLO}")), "{reply:?}");
    assert!(server.terminate().success());
}

#[test]
fn http10_closes_unless_keep_alive_is_asked_for() {
    let mut server = start(10_000);
    let reply = exchange(&server.address, b"GET / HTTP/1.0\r\n\r\nGET /ignored HTTP/1.0\r\n\r\n");
    assert_eq!(reply.matches("HTTP/1.1 200 OK").count(), 1, "{reply:?}");
    assert!(reply.contains("\r\nConnection: close\r\n"), "{reply:?}");
    let reply = exchange(&server.address, b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET / HTTP/1.0\r\n\r\n");
    assert_eq!(reply.matches("HTTP/1.1 200 OK").count(), 2, "{reply:?}");
    assert!(reply.contains("\r\nConnection: keep-alive\r\n"), "{reply:?}");
    assert!(server.terminate().success());
}

#[test]
fn the_deadline_closes_clients_that_stop_mid_request_and_releases_their_fds() {
    const DEADLINE_MS: u64 = 300;
    let mut server = start(DEADLINE_MS);
    let pid = server.process.pid();
    let before = open_fds(pid);
    // A complete request is served in time.
    let reply = exchange(&server.address, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert!(reply.ends_with(HELLO), "{reply:?}");
    let stalled: [&[u8]; 3] = [
        b"GET / HTTP/1.1\r\nHost: x\r\n",                    // half a head
        b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", // half a body
        b"",                                                 // nothing at all
    ];
    let start = Instant::now();
    let mut clients: Vec<TcpStream> = stalled
        .iter()
        .map(|bytes| {
            let mut s = connect(&server.address);
            s.write_all(bytes).unwrap();
            s
        })
        .collect();
    for (client, bytes) in clients.iter_mut().zip(stalled) {
        let mut buf = [0; 64];
        match client.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => panic!("{:?}: unexpected reply {:?}", text(bytes), text(&buf[..n])),
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                panic!("{:?}: not closed within {DEADLINE:?}", text(bytes))
            }
            Err(e) => panic!("{:?}: {e}", text(bytes)),
        }
    }
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(DEADLINE_MS - 50), "closed before the deadline: {waited:?}");
    // The server closed its sockets before the clients saw EOF.
    assert_eq!(open_fds(pid), before, "the stalled connections' fds are released");
    // A keep-alive connection idle past the deadline is closed too.
    let mut s = connect(&server.address);
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(read_to_eof(&mut s).ends_with(HELLO));
    assert!(server.terminate().success());
}
