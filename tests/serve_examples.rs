//! The echo and http_hello examples with `--threads 2`: two loops in one
//! process, each on its own thread, serving one address; one signal sent to
//! the process stops both, and it exits cleanly.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use util::example::ExampleServer;
use util::DEADLINE;

/// The names of the threads of process `pid`.
fn thread_names(pid: u32) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim_end().to_owned())
        .collect();
    names.sort();
    names
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    stream
}

#[test]
fn echo_with_two_threads_serves_and_one_sigterm_stops_both_loops() {
    let mut server = ExampleServer::start("echo", &["127.0.0.1:0", "--threads", "2"]);
    let names = thread_names(server.process.pid());
    assert!(names.iter().any(|n| n == "mio-loop-0") && names.iter().any(|n| n == "mio-loop-1"), "{names:?}");
    // 64 connections at once, from 64 source ports: both loops get some.
    let clients: Vec<_> = (0..64).map(|_| BufReader::new(connect(&server.address))).collect();
    for (i, mut client) in clients.into_iter().enumerate() {
        let line = format!("client {i} says {}\n", "hi ".repeat(i));
        client.get_mut().write_all(line.as_bytes()).unwrap();
        let mut echoed = String::new();
        client.read_line(&mut echoed).unwrap();
        assert_eq!(echoed, line);
    }
    assert!(server.terminate().success());
}

#[test]
fn http_hello_with_two_threads_answers_and_one_sigint_stops_both_loops() {
    let mut server = ExampleServer::start("http_hello", &["127.0.0.1:0", "--threads", "2"]);
    assert_eq!(thread_names(server.process.pid()).iter().filter(|n| n.starts_with("mio-loop-")).count(), 2);
    for _ in 0..16 {
        let mut client = connect(&server.address);
        client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        client.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
        assert!(response.ends_with("Hello, world!"), "{response:?}");
    }
    server.process.signal("INT");
    assert!(server.process.wait().success());
}

#[test]
fn a_bad_thread_count_is_refused() {
    let binary = util::example::example_binary("echo");
    let out = std::process::Command::new(binary).args(["127.0.0.1:0", "--threads", "zero"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads wants a positive number"), "{out:?}");
}
