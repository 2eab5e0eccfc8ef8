//! The examples drain on SIGTERM: `http_hello` and `resp_kv` under steady
//! pipelined load answer whatever they read in whole responses and then
//! close (the server's own count of answers equals what the clients got:
//! none cut, none lost); idle connections close at once; a client that
//! never reads holds the server only until the drain deadline; a second
//! signal exits at once. Real processes on loopback; every wait bounded.

mod util;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use util::example::ExampleServer;
use util::DEADLINE;

/// Clients under load at once, and the requests each pipelines per write.
const CLIENTS: usize = 4;
const BATCH: usize = 64;

/// Cuts one whole response from the front of the input (given how many
/// came before): its length, and whether it says the connection closes.
type Take = fn(&[u8], usize) -> Option<(usize, bool)>;

/// What one client saw: requests sent, whole responses received.
#[derive(Debug, Default)]
struct Tally {
    sent: usize,
    answered: usize,
}

/// A client whose reads and writes give up after [`DEADLINE`].
fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.set_write_timeout(Some(DEADLINE)).unwrap();
    s
}

/// How far the load clients are: responses answered in all, and clients
/// that had their first batch answered.
#[derive(Default)]
struct Progress {
    answered: AtomicUsize,
    clients: AtomicUsize,
}

/// Sends `BATCH` pipelined `request`s at a time and reads their responses
/// (cut from the input by `take`, which returns a whole response's length
/// and whether it says the connection closes, after checking it), until the
/// server closes. Checks that the close comes between whole responses, and
/// that a response saying `close` is the last.
fn load(
    addr: &str,
    request: &[u8],
    progress: &Progress,
    take: impl Fn(&[u8], usize) -> Option<(usize, bool)>,
) -> Tally {
    let mut s = connect(addr);
    let batch = request.repeat(BATCH);
    let (mut tally, mut input, mut buf) = (Tally::default(), Vec::new(), vec![0; 64 * 1024]);
    loop {
        if let Err(e) = s.write_all(&batch) {
            // The server closed this idle connection (before this batch).
            assert!(matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset), "{e}");
            assert!(input.is_empty());
            return tally;
        }
        tally.sent += BATCH;
        let mut got = 0;
        while got < BATCH {
            let n = match s.read(&mut buf) {
                Ok(n) => n,
                // Only an idle connection's close can race a new batch.
                Err(e) if e.kind() == ErrorKind::ConnectionReset && got == 0 => 0,
                Err(e) => panic!("after {} whole responses: {e}", tally.answered),
            };
            if n == 0 {
                assert!(input.is_empty(), "closed in the middle of a response: {:?}", String::from_utf8_lossy(&input));
                return tally;
            }
            input.extend_from_slice(&buf[..n]);
            while let Some((len, close)) = take(&input, tally.answered) {
                input.drain(..len);
                (got, tally.answered) = (got + 1, tally.answered + 1);
                progress.answered.fetch_add(1, Ordering::Relaxed);
                if tally.answered == BATCH {
                    progress.clients.fetch_add(1, Ordering::Relaxed);
                }
                if close {
                    assert!(input.is_empty(), "bytes after a `Connection: close` response");
                    assert_eq!(s.read(&mut buf).unwrap(), 0, "no close after `Connection: close`");
                    return tally;
                }
            }
        }
    }
}

/// Runs `CLIENTS` load clients until each had a few batches answered,
/// sends SIGTERM, and waits for the clients and the server. Returns each
/// client's tally and the server's last line.
fn drain_under_load(server: &mut ExampleServer, request: fn(usize) -> Vec<u8>, take: Take) -> (Vec<Tally>, String) {
    let progress = Arc::new(Progress::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (addr, progress) = (server.address.clone(), Arc::clone(&progress));
            thread::spawn(move || load(&addr, &request(i), &progress, take))
        })
        .collect();
    let start = Instant::now();
    // Every client connected and answered (a client still connecting when
    // the listener closes would be refused), and some load behind them.
    while progress.clients.load(Ordering::Relaxed) < CLIENTS
        || progress.answered.load(Ordering::Relaxed) < CLIENTS * BATCH * 4
    {
        assert!(start.elapsed() < DEADLINE, "no load within {DEADLINE:?}");
        thread::yield_now();
    }
    server.process.signal("TERM");
    let tallies: Vec<Tally> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    assert!(server.process.wait().success());
    let last = server.process.stdout.expect("stopped");
    (tallies, last)
}

/// The number after `word` in `line`.
fn number_after(line: &str, word: &str) -> usize {
    let rest = &line[line.find(word).unwrap_or_else(|| panic!("{word:?} in {line:?}")) + word.len()..];
    rest.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a number in {line:?}"))
}

/// One whole `200 OK` response of http_hello at the front of `input`.
fn take_http(input: &[u8], _: usize) -> Option<(usize, bool)> {
    let head_end = input.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&input[..head_end]).unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let length: usize = number_after(head, "Content-Length:");
    let end = head_end + length;
    if input.len() < end {
        return None;
    }
    assert_eq!(&input[head_end..end], b"Hello, world!");
    Some((end, head.contains("Connection: close")))
}

#[test]
fn http_hello_answers_what_it_read_in_whole_then_closes() {
    let mut server = ExampleServer::start("http_hello", &["127.0.0.1:0", "10000", "10000"]);
    let request = |_| b"GET / HTTP/1.1\r\nHost: t\r\n\r\n".to_vec();
    let (tallies, last) = drain_under_load(&mut server, request, take_http);
    for t in &tallies {
        assert!(t.answered <= t.sent && t.sent - t.answered <= BATCH, "{t:?}");
    }
    let received: usize = tallies.iter().map(|t| t.answered).sum();
    assert_eq!(received, number_after(&last, "after"), "every response the server made arrived whole");
}

/// One whole integer reply at the front of `input`: the next value of the
/// client's counter (`answered + 1`).
fn take_resp(input: &[u8], answered: usize) -> Option<(usize, bool)> {
    let end = input.windows(2).position(|w| w == b"\r\n")? + 2;
    let line = std::str::from_utf8(&input[..end]).unwrap();
    assert_eq!(line, format!(":{}\r\n", answered + 1), "replies in order, one per INCR");
    Some((end, false))
}

#[test]
fn resp_kv_answers_its_whole_buffered_pipeline_then_closes() {
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0", "--drain-ms", "10000"]);
    let request = |i| format!("*2\r\n$4\r\nINCR\r\n$2\r\nk{i}\r\n").into_bytes(); // a counter per client
    let (tallies, last) = drain_under_load(&mut server, request, take_resp);
    for t in &tallies {
        assert!(t.answered <= t.sent && t.sent - t.answered <= BATCH, "{t:?}");
    }
    let received: usize = tallies.iter().map(|t| t.answered).sum();
    assert_eq!(received, number_after(&last, "after"), "every command run was answered, whole");
    assert_eq!(number_after(&last, "with"), CLIENTS, "the counters");
}

/// Connections that are idle when the signal comes: one after a request,
/// one that never sent anything.
fn idle_clients(server: &ExampleServer, request: &[u8], reply_len: usize) -> Vec<TcpStream> {
    let mut used = connect(&server.address);
    used.write_all(request).unwrap();
    let mut reply = vec![0; reply_len];
    used.read_exact(&mut reply).unwrap();
    vec![used, connect(&server.address)]
}

/// A connection the server has surely accepted: it answered `request`
/// (the first `reply_len` bytes of the answer are read; 0: the whole
/// answer that arrives in one read).
fn accepted(addr: &str, request: &[u8], reply_len: usize) -> TcpStream {
    let mut c = connect(addr);
    c.write_all(request).unwrap();
    if reply_len == 0 {
        assert!(c.read(&mut [0; 1024]).unwrap() > 0);
    } else {
        c.read_exact(&mut vec![0; reply_len]).unwrap();
    }
    c
}

/// Sends SIGTERM; each idle client must see its connection closed, and the
/// server exit, long before the drain deadline (60 s).
fn idle_closes_at_once(mut server: ExampleServer, idle: Vec<TcpStream>) {
    let start = Instant::now();
    server.process.signal("TERM");
    for mut c in idle {
        match c.read(&mut [0; 64]) {
            Ok(0) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            other => panic!("an idle connection got {other:?}, not its close"),
        }
    }
    assert!(server.process.wait().success());
    assert!(start.elapsed() < DEADLINE, "exited at once, not at the drain deadline");
}

#[test]
fn idle_connections_close_at_once() {
    let http = ExampleServer::start("http_hello", &["127.0.0.1:0", "60000", "60000"]);
    let request = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    let reply_len = {
        let mut c = connect(&http.address);
        c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut all = Vec::new();
        c.read_to_end(&mut all).unwrap();
        all.len() // the same length: 1.0 without keep-alive adds `Connection: close`
    };
    let idle = idle_clients(&http, request, reply_len - "Connection: close\r\n".len());
    idle_closes_at_once(http, idle);

    let kv = ExampleServer::start("resp_kv", &["127.0.0.1:0", "--drain-ms", "60000"]);
    let idle = idle_clients(&kv, b"PING\r\n", b"+PONG\r\n".len());
    idle_closes_at_once(kv, idle);
}

/// A resp_kv client that stops reading while the server has megabytes of
/// replies for it: it stores a 60 KB value, asks for it 400 times, and
/// reads only the start of the first reply (so the server has read the
/// requests and is writing).
fn stuck_client(addr: &str) -> TcpStream {
    let mut c = connect(addr);
    let value = "v".repeat(60_000);
    c.write_all(format!("*3\r\n$3\r\nSET\r\n$1\r\nb\r\n${}\r\n{value}\r\n", value.len()).as_bytes()).unwrap();
    let mut ok = [0; 5];
    c.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"+OK\r\n");
    c.write_all(&b"*2\r\n$3\r\nGET\r\n$1\r\nb\r\n".repeat(400)).unwrap();
    let mut start = [0; 8];
    c.read_exact(&mut start).unwrap();
    assert_eq!(&start, b"$60000\r\n");
    c
}

#[test]
fn a_client_that_never_reads_holds_the_server_only_until_the_drain_deadline() {
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0", "--drain-ms", "1000"]);
    let _stuck = stuck_client(&server.address);
    let mut idle = accepted(&server.address, b"PING\r\n", b"+PONG\r\n".len());
    let start = Instant::now();
    server.process.signal("TERM");
    assert_eq!(idle.read(&mut [0; 8]).unwrap(), 0, "an idle client is closed at once");
    assert!(server.process.wait().success());
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(900), "exited after {took:?}, before the 1 s deadline");
    assert!(took < DEADLINE, "exited after {took:?}");
}

#[test]
fn a_second_signal_exits_at_once() {
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0", "--drain-ms", "600000"]);
    let _stuck = stuck_client(&server.address);
    let mut idle = accepted(&server.address, b"PING\r\n", b"+PONG\r\n".len());
    let start = Instant::now();
    server.process.signal("TERM");
    assert_eq!(idle.read(&mut [0; 8]).unwrap(), 0, "the drain began");
    server.process.signal("TERM");
    assert!(server.process.wait().success());
    assert!(start.elapsed() < DEADLINE, "exited at the second signal, not at the 10-minute deadline");
}

#[test]
fn resp_kv_answers_a_pipeline_it_read_before_the_signal_in_whole() {
    let mut server = ExampleServer::start("resp_kv", &["127.0.0.1:0", "--drain-ms", "60000"]);
    let mut stuck = stuck_client(&server.address); // 400 GETs read, replies blocked
    let mut idle = accepted(&server.address, b"PING\r\n", b"+PONG\r\n".len());
    server.process.signal("TERM");
    assert_eq!(idle.read(&mut [0; 8]).unwrap(), 0, "the drain began");
    let mut rest = Vec::new();
    stuck.read_to_end(&mut rest).unwrap();
    let reply = format!("$60000\r\n{}\r\n", "v".repeat(60_000));
    assert_eq!(rest.len(), 400 * reply.len() - 8, "all 400 replies, whole, then the close");
    assert!(rest.ends_with(reply.as_bytes()));
    assert!(server.process.wait().success());
    assert_eq!(number_after(&server.process.stdout.expect("stopped"), "after"), 402, "SET, 400 GETs, PING");
}

#[test]
fn http_hello_answers_the_request_in_progress_with_connection_close() {
    let mut server = ExampleServer::start("http_hello", &["127.0.0.1:0", "60000", "60000"]);
    let mut client = connect(&server.address);
    // Far more responses than socket buffers hold: the server blocks on
    // output while it has requests in its input.
    let requests = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n".repeat(100_000);
    let mut writer = client.try_clone().unwrap();
    let writing = thread::spawn(move || {
        let _ = writer.write_all(&requests); // the server drops what it did not read
        let _ = writer.shutdown(std::net::Shutdown::Write);
    });
    let mut first = [0; 17];
    client.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK\r\n");
    let mut idle = accepted(&server.address, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", 0);
    server.process.signal("TERM");
    assert_eq!(idle.read(&mut [0; 8]).unwrap(), 0, "the drain began");
    let mut input = first.to_vec();
    client.read_to_end(&mut input).unwrap();
    let (mut at, mut responses, mut closed) = (0, 0, false);
    while let Some((len, close)) = take_http(&input[at..], responses) {
        assert!(!closed, "a response after `Connection: close`");
        (at, responses, closed) = (at + len, responses + 1, close);
    }
    assert_eq!(at, input.len(), "no partial response");
    assert!(closed, "the last response says `Connection: close`");
    assert!(responses < 100_000, "the rest were not read: the drain stopped taking requests");
    writing.join().unwrap();
    assert!(server.process.wait().success());
    assert_eq!(number_after(&server.process.stdout.expect("stopped"), "after"), responses + 1, "and the idle one's");
}
