//! The `http_hello` example end to end over TCP: keep-alive, pipelining, a
//! request body, `Connection: close`; with curl when it is installed, and
//! with a plain Rust client always. The loop runs on the test thread, turn
//! by turn, while the client runs on another; every wait is bounded.

#[allow(dead_code)]
#[path = "../examples/http_hello.rs"]
mod http_hello;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use mio::tcp::TcpListener;

const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";

/// Serves on a fresh port while `client` runs on its own thread; returns
/// what the client returned.
fn serve<R: Send + 'static>(client: impl FnOnce(String) -> R + Send + 'static) -> R {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut lp = http_hello::http_loop(listener).unwrap();
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || tx.send(client(addr)).unwrap());
    for _ in 0..3_000 {
        if let Ok(result) = rx.try_recv() {
            handle.join().unwrap();
            return result;
        }
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
    }
    panic!("the client did not finish within 3,000 turns");
}

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Reads until `n` bytes arrived (or the peer closed).
fn read_n(s: &mut TcpStream, n: usize) -> String {
    let mut buf = vec![0; n];
    let mut got = 0;
    while got < n {
        match s.read(&mut buf[got..]).unwrap() {
            0 => break,
            k => got += k,
        }
    }
    String::from_utf8_lossy(&buf[..got]).into_owned()
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let replies = serve(|addr| {
        let mut s = connect(&addr);
        (0..3)
            .map(|_| {
                s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                read_n(&mut s, HELLO.len())
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(replies, [HELLO; 3]);
}

#[test]
fn pipelined_requests_and_a_body_are_answered_in_order() {
    let reply = serve(|addr| {
        let mut s = connect(&addr);
        s.write_all(
            b"GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\n\r\n",
        )
        .unwrap();
        read_n(&mut s, 3 * HELLO.len())
    });
    assert_eq!(reply, HELLO.repeat(3));
}

#[test]
fn connection_close_ends_the_connection_after_the_response() {
    let reply = serve(|addr| {
        let mut s = connect(&addr);
        s.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
        // Ends only because the server closes (the read timeout would fail it).
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        all
    });
    assert!(reply.ends_with("Connection: close\r\n\r\nHello, world!"), "{reply}");
}

#[test]
fn curl_gets_hello_twice_over_one_connection() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed; the Rust client tests cover the example");
        return;
    }
    let out = serve(|addr| {
        Command::new("curl")
            .args(["-sv", "--max-time", "10", &format!("http://{addr}/"), &format!("http://{addr}/again")])
            .output()
            .unwrap()
    });
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Hello, world!Hello, world!");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("Re-using existing connection") || log.contains("Reusing existing"), "{log}");
}
