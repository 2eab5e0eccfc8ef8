//! The two chat servers, examples/chat.rs (machine layer) and
//! examples/chat_handler.rs (layer 1), as real servers driven by `nc` (and
//! by Rust clients where a client must misbehave: one that never reads):
//! every test runs against both, which must behave the same.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use util::example::{nc, ExampleServer, Lines, Process};
use util::DEADLINE;

/// An `nc` connected to the server.
struct Client {
    process: Process,
    stdin: Option<ChildStdin>,
}

impl Client {
    /// `nc -N`: types what the test says, and hangs up when told.
    fn talker(server: &ExampleServer) -> Client {
        let (host, port) = server.address.rsplit_once(':').expect("host:port");
        let mut process = Process::spawn(nc().args(["-N", host, port]).stdin(Stdio::piped()));
        let stdin = process.child().stdin.take();
        Client { process, stdin }
    }

    /// `nc -d`: only listens, and exits when the server closes.
    fn listener(server: &ExampleServer) -> Client {
        let (host, port) = server.address.rsplit_once(':').expect("host:port");
        Client { process: Process::spawn(nc().args(["-d", host, port]).stdin(Stdio::null())), stdin: None }
    }

    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("a talker");
        writeln!(stdin, "{line}").and_then(|()| stdin.flush()).expect("write to nc");
    }

    /// Closes nc's input: `-N` then ends the connection.
    fn hang_up(&mut self) {
        self.stdin = None;
    }

    fn lines(&self) -> &Lines {
        &self.process.stdout
    }
}

fn two_clients_see_each_others_lines_but_not_their_own(example: &str) {
    let server = ExampleServer::start(example, &["127.0.0.1:0"]);
    let mut a = Client::talker(&server);
    a.lines().expect("* welcome guest1");
    let mut b = Client::talker(&server);
    b.lines().expect("* welcome guest2, 1 others here");
    a.lines().expect("* guest2 joined");

    a.say("/nick alice");
    a.lines().expect("* guest1 is now alice");
    b.lines().expect("* guest1 is now alice");
    b.say("/nick bob");
    b.lines().expect("* guest2 is now bob");
    a.lines().expect("* guest2 is now bob");

    a.say("hello from alice");
    assert_eq!(b.lines().next_line().as_deref(), Some("<alice> hello from alice"));
    b.say("hi alice");
    // The next line alice gets is bob's: her own was not sent back to her.
    assert_eq!(a.lines().next_line().as_deref(), Some("<bob> hi alice"));

    // alice leaves with /quit, bob by closing his side.
    a.say("/quit");
    assert_eq!(a.lines().next_line().as_deref(), Some("* bye"));
    assert_eq!(b.lines().next_line().as_deref(), Some("* alice left (quit)"));
    a.hang_up();
    a.lines().expect_end();
    b.hang_up();
    b.lines().expect_end();
    assert!(a.process.wait().success() && b.process.wait().success());
}

fn an_idle_client_is_disconnected_after_the_timeout(example: &str) {
    let server = ExampleServer::start(example, &["127.0.0.1:0", "--idle-secs", "1"]);
    let start = Instant::now();
    let mut idle = Client::listener(&server);
    idle.lines().expect("* welcome guest1");
    idle.lines().expect("* idle for 1s, bye");
    assert!(start.elapsed() >= Duration::from_secs(1), "disconnected early, after {:?}", start.elapsed());
    // The server closed the connection: nc sees the end and exits.
    assert_eq!(idle.lines().expect_end(), Vec::<String>::new());
    assert!(idle.process.wait().success());
}

fn the_announcer_thread_reaches_every_client(example: &str) {
    let server = ExampleServer::start(example, &["127.0.0.1:0", "--announce-secs", "0.1"]);
    let a = Client::listener(&server);
    let b = Client::listener(&server);
    for client in [&a, &b] {
        let line = client.lines().expect("* server time ");
        assert!(line.ends_with(" UTC"), "{line:?}");
    }
}

fn sigterm_tells_the_clients_and_exits_cleanly(example: &str) {
    let mut server = ExampleServer::start(example, &["127.0.0.1:0"]);
    let client = Client::listener(&server);
    client.lines().expect("* welcome guest1");
    assert!(server.terminate().success());
    client.lines().expect("* server shutting down");
    client.lines().expect_end();
}

fn a_client_that_does_not_read_is_dropped_not_buffered(example: &str) {
    let server = ExampleServer::start(example, &["127.0.0.1:0"]);
    let addr: SocketAddr = server.address.parse().unwrap();

    // guest1 reads its welcome, then never reads again.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut welcome = String::new();
    BufReader::new(&slow).read_line(&mut welcome).unwrap();
    assert!(welcome.starts_with("* welcome guest1"), "{welcome:?}");

    // guest2 talks until guest1 is dropped (or 512 MiB went by: the server
    // buffers without bound, and the test fails).
    let talker = TcpStream::connect(addr).unwrap();
    talker.set_write_timeout(Some(DEADLINE)).unwrap();
    let heard = Lines::new(talker.try_clone().unwrap());
    heard.expect("* welcome guest2");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let mut talker = talker.try_clone().unwrap();
        thread::spawn(move || {
            let line = format!("{}\n", "x".repeat(1000));
            let mut sent = 0usize;
            while !stop.load(Ordering::Relaxed) && sent < 512 << 20 {
                talker.write_all(line.as_bytes()).expect("the server stopped reading the talker");
                sent += line.len();
            }
            sent
        })
    };
    let left = heard.expect("* guest1 left");
    stop.store(true, Ordering::Relaxed);
    assert!(left.contains("too slow"), "{left:?}");
    let sent = writer.join().unwrap();
    assert!(sent < 512 << 20, "guest1 was not dropped after {sent} bytes");

    // guest1's connection was closed: what was sent before ends with EOF.
    let mut rest = Vec::new();
    slow.read_to_end(&mut rest).expect("guest1's connection ends");
}

/// Each test above, once per server.
macro_rules! against_both {
    ($($test:ident),* $(,)?) => {
        mod machine_layer {
            $( #[test] fn $test() { super::$test("chat") } )*
        }
        mod layer_1 {
            $( #[test] fn $test() { super::$test("chat_handler") } )*
        }
    };
}

against_both!(
    two_clients_see_each_others_lines_but_not_their_own,
    an_idle_client_is_disconnected_after_the_timeout,
    the_announcer_thread_reaches_every_client,
    sigterm_tells_the_clients_and_exits_cleanly,
    a_client_that_does_not_read_is_dropped_not_buffered
);
