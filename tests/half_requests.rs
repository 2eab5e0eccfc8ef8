//! The example servers survive clients that send half a request and close:
//! each such connection ends with unread input, which once kept its pool
//! buffer (issue 12), so a few thousand of them (more than the pool's
//! buffers) left the server unable to serve anyone. After 5,000 of them a
//! normal request is served, and the server's fd count is back to its
//! baseline.

mod util;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use util::example::ExampleServer;
use util::{Watchdog, DEADLINE};

/// More than the pool's buffers in either example (1,024 and 2,048).
const HALF_REQUESTS: usize = 5_000;
/// Half requests sent before waiting for the server to catch up, so the
/// listen backlog never overflows (a dropped SYN costs a 1 s retransmit).
const BATCH: usize = 250;

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("/proc/PID/fd").count()
}

/// Waits (bounded) until the server holds at most `fds` descriptors;
/// returns how many it holds.
fn wait_for_fds(pid: u32, fds: usize) -> usize {
    let give_up = Instant::now() + DEADLINE;
    loop {
        let now = open_fds(pid);
        if now <= fds || Instant::now() > give_up {
            return now;
        }
        std::thread::yield_now();
    }
}

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.set_write_timeout(Some(DEADLINE)).unwrap();
    s
}

/// Sends `half` on 5,000 connections, each closed at once, in batches;
/// checks the server's fds come back to `baseline` after each batch.
fn send_half_requests(server: &ExampleServer, half: &[u8], baseline: usize) {
    let pid = server.process.pid();
    for batch in 0..HALF_REQUESTS / BATCH {
        for _ in 0..BATCH {
            let mut s = connect(&server.address);
            s.write_all(half).unwrap();
        }
        let fds = wait_for_fds(pid, baseline);
        assert_eq!(fds, baseline, "server fds after {} half requests", (batch + 1) * BATCH);
    }
}

/// Reads until the server closes.
fn read_to_eof(s: &mut TcpStream) -> String {
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap_or_else(|e| panic!("no end of stream ({e}); got {all:?}"));
    String::from_utf8_lossy(&all).into_owned()
}

/// Reads exactly `n` bytes.
fn read_n(s: &mut TcpStream, n: usize) -> String {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf).unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn http_hello_serves_after_five_thousand_half_requests() {
    let _watchdog = Watchdog::new("http_hello half requests", Duration::from_secs(600));
    let mut server = ExampleServer::start("http_hello", &["127.0.0.1:0", "10000"]);
    let pid = server.process.pid();
    let baseline = open_fds(pid);
    send_half_requests(&server, b"GET / HTTP/1.1\r\nHost: partial", baseline);
    let mut s = connect(&server.address);
    s.write_all(b"GET / HTTP/1.1\r\nHost: whole\r\nConnection: close\r\n\r\n").unwrap();
    let response = read_to_eof(&mut s);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
    assert!(response.ends_with("\r\n\r\nHello, world!"), "{response:?}");
    drop(s);
    assert_eq!(wait_for_fds(pid, baseline), baseline);
    assert!(server.terminate().success());
}

#[test]
fn resp_kv_serves_after_five_thousand_half_commands() {
    let _watchdog = Watchdog::new("resp_kv half commands", Duration::from_secs(600));
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0"]);
    let pid = server.process.pid();
    let baseline = open_fds(pid);
    send_half_requests(&server, b"*3\r\n$3\r\nSET\r\n$1\r\nk", baseline);
    let mut s = connect(&server.address);
    s.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    assert_eq!(read_n(&mut s, 7), "+PONG\r\n");
    s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").unwrap();
    assert_eq!(read_n(&mut s, 12), "+OK\r\n$1\r\nv\r\n");
    drop(s);
    assert_eq!(wait_for_fds(pid, baseline), baseline);
    assert!(server.terminate().success());
}
