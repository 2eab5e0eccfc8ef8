//! The `resp_client` example against the `resp_kv` example: every request
//! of a pipelined PING/SET/GET mix is answered and reported; a refused
//! address is reported with its kind and a failing exit.

mod util;

use std::process::{Command, Stdio};

use util::example::{example_binary, ExampleServer, Process};

/// Runs the client to its end: whether it succeeded, and its output lines.
fn client(args: &[&str]) -> (bool, Vec<String>) {
    let mut process = Process::spawn(Command::new(example_binary("resp_client")).args(args).stdin(Stdio::null()));
    let lines = process.stdout.expect_end();
    let status = process.wait();
    (status.success(), lines)
}

#[test]
fn a_pipelined_mix_is_answered_in_full() {
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0"]);
    let args = [&server.address[..], "--connections", "8", "--pipeline", "16", "--requests", "20000"];
    let (ok, lines) = client(&[&args[..], &["--mix", "ping=1,set=1,get=2"]].concat());
    assert!(ok, "{lines:?}");
    assert!(lines[0].starts_with("20000 replies in "), "{lines:?}");
    assert!(lines[0].contains("ops/s (8 connections, pipeline 16)"), "{lines:?}");
    assert!(lines[1].starts_with("latency p50 "), "{lines:?}");
    assert_eq!(lines[2], "error replies 0, failed connections 0, requests lost 0");
    assert!(server.terminate().success());
}

#[test]
fn a_refused_address_fails_with_its_kind() {
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let (ok, lines) = client(&[&refused, "--connections", "2", "--requests", "10"]);
    assert!(!ok);
    assert_eq!(lines.last().map(String::as_str), Some("error replies 0, failed connections 2, requests lost 0"));
}
