//! The echo examples as real servers: examples/echo.rs driven by `nc`,
//! udp_echo and unix_echo by Rust clients; each stops cleanly on SIGTERM.

mod util;

use std::io::{Read, Write};
use std::net::{Shutdown, UdpSocket};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use util::example::{nc, ExampleServer, Process};
use util::DEADLINE;

#[test]
fn tcp_echo_answers_nc_line_for_line() {
    let mut server = ExampleServer::start("echo", &["127.0.0.1:0"]);
    let (host, port) = server.address.rsplit_once(':').expect("host:port");
    let mut client = Process::spawn(nc().args(["-N", host, port]).stdin(Stdio::piped()));
    let lines: Vec<String> = (0..200).map(|i| format!("line {i}: {}", "echo ".repeat(i % 20))).collect();
    let mut stdin = client.child().stdin.take().unwrap();
    let input = lines.join("\n") + "\n";
    // nc -N sends the end of input on, and the server then closes.
    let typist = thread::spawn(move || stdin.write_all(input.as_bytes()));
    assert_eq!(client.stdout.expect_end(), lines);
    typist.join().unwrap().unwrap();
    assert!(client.wait().success());
    assert!(server.terminate().success());
}

#[test]
fn udp_echo_returns_each_datagram_to_its_sender() {
    let mut server = ExampleServer::start("udp_echo", &["127.0.0.1:0"]);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.connect(&server.address).unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut buf = vec![0u8; 65_536];
    for size in [1, 64, 1400, 9000, 60_000] {
        let datagram: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
        // UDP may lose a datagram: resend a few times, bounded.
        let echoed = (0..DEADLINE.as_secs() * 2).find_map(|_| {
            socket.send(&datagram).unwrap();
            socket.recv(&mut buf).ok()
        });
        let n = echoed.unwrap_or_else(|| panic!("no echo of {size} bytes"));
        assert_eq!(&buf[..n], &datagram[..], "{size} bytes");
    }
    assert!(server.terminate().success());
}

/// A socket path of its own in the temp dir, removed at the end.
struct TempPath(PathBuf);

impl TempPath {
    fn new(what: &str) -> TempPath {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        TempPath(std::env::temp_dir().join(format!("mio-{what}-{}-{nanos}.sock", std::process::id())))
    }

    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn unix_echo_returns_a_megabyte_and_removes_its_socket_on_exit() {
    let path = TempPath::new("unix-echo");
    let mut server = ExampleServer::start("unix_echo", &[path.arg()]);
    assert_eq!(server.address, path.arg());
    let client = UnixStream::connect(&path.0).unwrap();
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    client.set_write_timeout(Some(DEADLINE)).unwrap();
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    // Write from a thread while reading here: neither side's buffers need to
    // hold the whole megabyte.
    let writer = {
        let (mut client, data) = (client.try_clone().unwrap(), data.clone());
        thread::spawn(move || client.write_all(&data).and_then(|()| client.shutdown(Shutdown::Write)))
    };
    let mut echoed = Vec::new();
    (&client).read_to_end(&mut echoed).unwrap();
    writer.join().unwrap().unwrap();
    assert!(echoed == data, "echoed {} bytes, not the {} sent", echoed.len(), data.len());

    assert!(server.terminate().success());
    assert!(!path.0.exists(), "socket file left behind");
}

#[test]
fn unix_echo_replaces_a_stale_socket_file_but_not_a_live_one() {
    let path = TempPath::new("unix-echo-stale");
    drop(UnixListener::bind(&path.0).unwrap()); // a dead server's file
    assert!(path.0.exists());
    let mut server = ExampleServer::start("unix_echo", &[path.arg()]);
    let mut client = UnixStream::connect(&path.0).unwrap();
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    client.write_all(b"ping\n").unwrap();
    let mut reply = [0u8; 5];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"ping\n");

    // A second server on the same path must not steal it.
    let mut second = Process::spawn(
        std::process::Command::new(util::example::example_binary("unix_echo")).arg(path.arg()).stderr(Stdio::null()),
    );
    assert_eq!(second.stdout.expect_end(), Vec::<String>::new());
    assert!(!second.wait().success());
    let mut client = UnixStream::connect(&path.0).expect("the first server still listens");
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    client.write_all(b"pong\n").unwrap();
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"pong\n");

    assert!(server.terminate().success());
}
