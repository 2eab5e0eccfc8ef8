//! Property tests of the example protocols on the harness:
//! - any input, cut into any chunks and written through any sequence of
//!   small or closed windows, gives byte for byte the output it gives in
//!   one chunk through an open window (and ends the same way);
//! - a deadline fires exactly at the instant the protocol set, never a
//!   tick early or late, and that instant is one the protocol saw plus its
//!   configured delay;
//! - clients of one whole server (`http_hello`'s listener composed with
//!   `#[machine]`), their steps interleaved in any order, each get what
//!   they get alone;
//! - whatever the steps (bytes, chunking, windows, time, wake-ups, end of
//!   stream, resets, read errors), the protocol does not panic, the loop
//!   settles, the no-progress guard never ends the connection, and it
//!   holds at most its buffers (`script::check`).
//!
//! Case counts are kept small (CI runs everything in one budget); raise
//! them with `PROPTEST_CASES`.

use std::time::Duration;

use mio::stream::{Protocol, Stream};
use mio::testing::{Harness, SimSocket};
use proptest::prelude::*;

use crate::http_server::Http;
use crate::protocol::Resp;
use crate::script::{self, chunked_with_windows, chunks, decode, Op};
use crate::tcp_echo::Echo;

/// 128 cases a property (about 3 s for all of them in a debug build), or
/// `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { default.cases } else { 128 };
    ProptestConfig { cases, failure_persistence: None, ..default }
}

fn echo() -> Harness<Stream<Echo>> {
    Harness::with_config(&script::small_config(64), ()).unwrap()
}

fn http() -> Harness<Stream<Http>> {
    crate::http_tests::harness()
}

fn chat() -> Harness<Stream<crate::chat_room::Client>> {
    crate::chat_tests::room()
}

fn resp() -> Harness<Stream<Resp>> {
    crate::resp_tests::harness(1024)
}

/// How an input is cut and written: cut points (per mille of its
/// length) and (window, read) pairs between the pieces.
type Chunking = (Vec<u16>, Vec<(u8, u8)>);

/// Cut points (per mille of the input) and (window, read) pairs.
fn chunking() -> impl Strategy<Value = Chunking> {
    (prop::collection::vec(0u16..=1000, 0..12), prop::collection::vec((0u8..24, 0u8..48), 1..8))
}

/// An HTTP request, well-formed or not (never `/stats`, whose body is the
/// loop's counters, which differ between runs).
fn http_request() -> impl Strategy<Value = Vec<u8>> {
    let path = prop::sample::select(vec!["/", "/a", "/index.html", "/x?y=1"]);
    prop_oneof![
        4 => path.clone().prop_map(|p| format!("GET {p} HTTP/1.1\r\nHost: h\r\n\r\n").into_bytes()),
        1 => path.clone().prop_map(|p| format!("GET {p} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").into_bytes()),
        1 => (prop::collection::vec(any::<u8>(), 0..40), any::<bool>()).prop_map(|(body, expect)| {
            let expect = if expect { "Expect: 100-continue\r\n" } else { "" };
            let mut r = format!("POST / HTTP/1.1\r\n{expect}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            r.extend(body);
            r
        }),
        1 => Just(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec()),
        1 => Just(b"\r\nGET / HTTP/1.1\r\n\r\n".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..24).prop_map(|mut junk| {
            junk.extend(b"\r\n\r\n");
            junk
        }),
    ]
}

/// A RESP request: multibulk or inline, small or larger than the 1 KiB
/// buffer, or junk. Keys from a small set so commands meet; no command
/// whose answer depends on hashing order or on the process (KEYS, SCAN,
/// INFO).
fn resp_request() -> impl Strategy<Value = Vec<u8>> {
    use crate::resp_tests::command;
    let key = prop::sample::select(vec![&b"a"[..], b"b", b"n"]);
    let value = prop::collection::vec(any::<u8>(), 0..16);
    prop_oneof![
        2 => Just(command(&[b"PING"])),
        2 => value.clone().prop_map(|v| command(&[b"ECHO", &v])),
        3 => (key.clone(), value.clone()).prop_map(|(k, v)| command(&[b"SET", k, &v])),
        3 => key.clone().prop_map(|k| command(&[b"GET", k])),
        2 => key.clone().prop_map(|k| command(&[b"INCR", k])),
        1 => (key.clone(), value.clone()).prop_map(|(k, v)| command(&[b"APPEND", k, &v])),
        1 => key.clone().prop_map(|k| command(&[b"DEL", k])),
        1 => (key.clone(), key.clone()).prop_map(|(a, b)| command(&[b"MGET", a, b, a])),
        1 => prop::sample::select(vec![&b"MULTI"[..], b"EXEC", b"DISCARD"]).prop_map(|c| command(&[c])),
        1 => (key.clone(), 1000usize..3000).prop_map(|(k, n)| command(&[b"SET", k, &vec![b'v'; n]])),
        1 => key.clone().prop_map(|k| [b"GET ", k, b"\r\n"].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..12),
    ]
}

fn requests(one: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(one, 1..8).prop_map(|r| r.concat())
}

/// Runs `input` in one chunk through an open window, and in `cuts` chunks
/// through `windows`; both must give the same output and end.
fn same_as_one_chunk<P: Protocol<Socket = SimSocket>>(
    harness: fn() -> Harness<Stream<P>>,
    input: &[u8],
    (cuts, windows): Chunking,
    normalize: fn(&[u8]) -> Vec<u8>,
) -> Result<(), TestCaseError> {
    let whole = script::run(&mut harness(), &[Op::Send(input.to_vec()), Op::Close]);
    let pieces = script::run(&mut harness(), &chunked_with_windows(chunks(input, &cuts), &windows));
    prop_assert_eq!(normalize(&pieces.output), normalize(&whole.output));
    prop_assert_eq!(pieces.status, whole.status);
    Ok(())
}

/// Runs `ops`, noting the clock at every step; then the connection's
/// deadline, if any, must be one of those instants plus `delay`, and fire
/// exactly then.
fn deadline_is_exact<P: Protocol<Socket = SimSocket>>(
    h: &mut Harness<Stream<P>>,
    ops: &[Op],
    delays: &[Duration],
) -> Result<(), TestCaseError> {
    let peer = h.connect().unwrap();
    let mut seen = vec![h.now()];
    for op in ops {
        match op {
            Op::Send(data) => h.send(peer, data),
            Op::Window(w) => h.set_window(peer, *w),
            Op::Take(n) => drop(h.take_output_up_to(peer, *n)),
            Op::Advance(ms) => h.advance(Duration::from_millis(*ms)),
            _ => unreachable!("only input, windows and time here"),
        }
        script::check(h, peer);
        seen.push(h.now());
    }
    if let Some(at) = h.deadline(peer) {
        let set_at_a_step = seen.iter().any(|&t| delays.iter().any(|&d| t + d == at));
        prop_assert!(set_at_a_step, "deadline {:?} is no step's instant plus {delays:?}", at - h.start());
        prop_assert!(script::deadline_fires_exactly(h, peer));
    }
    Ok(())
}

/// Input in chunks, windows and clock moves (at most `max_ms` each).
fn timed_ops(one: impl Strategy<Value = Vec<u8>>, max_ms: u64) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => one.prop_map(Op::Send),
        2 => (0..max_ms).prop_map(Op::Advance),
        1 => prop::option::of(0usize..32).prop_map(Op::Window),
        1 => (0usize..64).prop_map(Op::Take),
    ];
    prop::collection::vec(op, 0..16)
}

/// Arbitrary bytes as the fuzz targets read them: steps and a payload.
fn any_script() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (prop::collection::vec(any::<u8>(), 0..64), prop::collection::vec(any::<u8>(), 0..512))
}

/// Clients of one server, each with its own input, chunking and windows,
/// their steps interleaved in the order `turns` picks: each gets what it
/// gets alone, in one chunk.
fn clients_answered_as_if_alone(
    clients: Vec<(Vec<u8>, Chunking)>,
    turns: &[prop::sample::Index],
) -> Result<(), TestCaseError> {
    let (mut h, listener) = crate::server_tests::server();
    let mut scripts: Vec<(mio::testing::Peer, std::vec::IntoIter<Op>, Vec<u8>)> = Vec::new();
    for (input, (cuts, windows)) in &clients {
        let ops = chunked_with_windows(chunks(input, cuts), windows);
        scripts.push((h.connect_to(listener), ops.into_iter(), Vec::new()));
    }
    let mut turns = turns.iter().cycle();
    while scripts.iter().any(|(_, ops, _)| ops.len() > 0) {
        let live: Vec<usize> = (0..scripts.len()).filter(|&i| scripts[i].1.len() > 0).collect();
        let i = live[turns.next().map_or(0, |t| t.index(live.len()))];
        let (peer, ops, output) = &mut scripts[i];
        let op = ops.next().expect("a live script");
        script::apply(&mut h, *peer, &op, output);
    }
    for ((input, _), (peer, _, mut output)) in clients.iter().zip(scripts) {
        output.extend(h.take_output(peer));
        let alone = script::run(&mut http(), &[Op::Send(input.clone()), Op::Close]);
        let normalize = crate::http_tests::without_date;
        prop_assert_eq!(normalize(&output), normalize(&alone.output));
        prop_assert_eq!(h.status(peer), alone.status);
    }
    prop_assert_eq!(h.buffers_held(), 0);
    Ok(())
}

fn same(output: &[u8]) -> Vec<u8> {
    output.to_vec()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn echo_chunking_and_windows_do_not_change_the_output(
        input in prop::collection::vec(any::<u8>(), 0..600),
        chunking in chunking(),
    ) {
        same_as_one_chunk(echo, &input, chunking, same)?;
    }

    #[test]
    fn http_chunking_and_windows_do_not_change_the_output(input in requests(http_request()), chunking in chunking()) {
        same_as_one_chunk(http, &input, chunking, crate::http_tests::without_date)?;
    }

    #[test]
    fn resp_chunking_and_windows_do_not_change_the_output(input in requests(resp_request()), chunking in chunking()) {
        same_as_one_chunk(resp, &input, chunking, same)?;
    }

    #[test]
    fn http_deadlines_fire_exactly_when_set(ops in timed_ops(http_request(), 12_000)) {
        deadline_is_exact(&mut http(), &ops, &[crate::http_tests::DEADLINE])?;
    }

    #[test]
    fn resp_deadlines_fire_exactly_when_set(ops in timed_ops(resp_request(), 3_000)) {
        deadline_is_exact(&mut resp(), &ops, &[Duration::from_secs(2)])?;
    }

    #[test]
    fn echo_survives_any_script((steps, payload) in any_script()) {
        script::run(&mut echo(), &decode(&steps, &payload));
    }

    #[test]
    fn http_survives_any_script((steps, payload) in any_script()) {
        script::run(&mut http(), &decode(&steps, &payload));
    }

    #[test]
    fn chat_survives_any_script((steps, payload) in any_script()) {
        script::run(&mut chat(), &decode(&steps, &payload));
    }

    // With `/quit`: chat answers `* bye` and waits for it to leave before
    // closing (once it closed at once, with one last write, and a peer
    // whose window was closed never got the `* bye`: found by this
    // property).
    #[test]
    fn chat_chunking_and_windows_do_not_change_the_output(
        input in prop::collection::vec(prop::sample::select(vec![&b"hi\n"[..], b"/nick x\n", b"/who\n", b"\r\n", b"ab", b"/quit\n"]), 0..24)
            .prop_map(|lines| lines.concat()),
        chunking in chunking(),
    ) {
        same_as_one_chunk(chat, &input, chunking, same)?;
    }

    #[test]
    fn resp_survives_any_script((steps, payload) in any_script()) {
        script::run(&mut resp(), &decode(&steps, &payload));
    }
}

proptest! {
    // A whole server and a lone run per client each case: fewer cases.
    #![proptest_config(ProptestConfig { cases: config().cases.min(48), ..config() })]

    #[test]
    fn http_clients_of_one_server_are_answered_as_if_alone(
        clients in prop::collection::vec((requests(http_request()), chunking()), 1..4),
        turns in prop::collection::vec(any::<prop::sample::Index>(), 1..32),
    ) {
        clients_answered_as_if_alone(clients, &turns)?;
    }
}
