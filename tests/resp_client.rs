//! The resp_client example against the resp_kv example: every request
//! answered, large values sent (queued) and skipped (streamed), a refused
//! address reported with its kind, and a bad command line refused.

mod util;

use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

use util::example::{example_binary, wait_bounded, ExampleServer};
use util::DEADLINE;

/// Runs resp_client with `args`, bounded by the tests' deadline.
fn resp_client(args: &[&str]) -> Output {
    let mut child = Command::new(example_binary("resp_client"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if wait_bounded(&mut child, DEADLINE * 2).is_none() {
        let _ = child.kill();
        panic!("resp_client {args:?} ran longer than {:?}", DEADLINE * 2);
    }
    child.wait_with_output().unwrap()
}

/// The `name=value` field of resp_client's line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {line:?}"))
}

#[test]
fn every_request_of_a_pipelined_mix_is_answered() {
    let server = ExampleServer::start("resp_kv", &["127.0.0.1:0"]);
    let out = resp_client(&[
        &server.address,
        "--requests",
        "3000",
        "--conns",
        "4",
        "--pipeline",
        "8",
        "--mix",
        "set=1,get=1,ping=1",
        "--keyspace",
        "50",
    ]);
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{line} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(field(&line, "requests"), "3000");
    assert_eq!(field(&line, "errors"), "0");
    assert_eq!(field(&line, "error_replies"), "0");
    assert!(field(&line, "p99_us").parse::<f64>().unwrap() > 0.0, "{line}");
}

#[test]
fn values_larger_than_the_buffers_go_out_queued_and_come_back_skipped() {
    let server = ExampleServer::start("resp_kv", &["127.0.0.1:0"]);
    // 300 KB values: SET queues the one shared value, GET's reply streams
    // past a 16 KiB input buffer.
    let out = resp_client(&[&server.address, "--requests", "40", "--conns", "2", "--size", "300000"]);
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{line} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(field(&line, "requests"), "40");
    assert_eq!(field(&line, "error_replies"), "0");
}

#[test]
fn a_refused_address_is_reported_with_its_kind() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = resp_client(&[&format!("127.0.0.1:{port}"), "--conns", "3", "--requests", "10"]);
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8_lossy(&out.stdout);
    assert_eq!(field(&line, "errors"), "3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 of 3 connections failed") && err.contains("ConnectionRefused"), "{err}");
}

#[test]
fn a_bad_command_line_is_refused_with_the_usage() {
    let out = resp_client(&["127.0.0.1:1", "--mix", "del=1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown command") && err.contains("usage: resp_client"), "{err}");
}
