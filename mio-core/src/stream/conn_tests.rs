use super::{bytes_due, delimiter_due, find, Conn, Due, Limit};
use crate::stream::intent::PackedExpectation;
use crate::stream::Expectation;

/// Idle memory per connection is a benchmarked figure (README): on the
/// epoll backend the bookkeeping of a TCP connection, socket included, stays
/// within one cache line.
#[cfg(all(any(target_os = "linux", target_os = "android"), not(mio_force_poll)))]
#[test]
fn a_tcp_connection_keeps_its_state_in_64_bytes() {
    assert!(std::mem::size_of::<Conn<crate::tcp::TcpStream>>() <= 64);
}

/// On every backend, what a connection keeps beside its socket fits in 56
/// bytes (the poll(2) backend's sockets carry their registration).
#[test]
fn a_connection_keeps_at_most_56_bytes_beside_its_socket() {
    let socket = std::mem::size_of::<crate::tcp::TcpStream>();
    assert!(std::mem::size_of::<Conn<crate::tcp::TcpStream>>() <= socket + 56);
}

fn line() -> PackedExpectation {
    Expectation::Delimiter { delimiter: b"\r\n", max: 64 }.into()
}

fn read_end(d: Option<Due>) -> Option<usize> {
    match d {
        Some(Due::Read(end)) => Some(end),
        _ => None,
    }
}

#[test]
fn find_returns_the_index_past_the_delimiter() {
    assert_eq!(find(b"\r\n", b"ab\r\ncd\r\n"), Some(4));
    assert_eq!(find(b"\r\n", b"ab\r"), None);
    assert_eq!(find(b"\r\n", b"\r\r\r\n"), Some(4));
    assert_eq!(find(b"", b"ab"), Some(0));
}

#[test]
fn a_search_resumes_where_the_last_one_stopped() {
    // "hello\r" was searched; "\n" arrived: the delimiter straddles the two.
    assert_eq!(read_end(delimiter_due(line(), b"hello\r\n", 6, 1024)), Some(7));
    // Nothing searched: found from the start.
    assert_eq!(read_end(delimiter_due(line(), b"a\r\nb\r\n", 0, 1024)), Some(3));
    // The first 4 bytes are known clean (a stale claim here, on purpose):
    // the search starts at byte 3, so it finds the second delimiter.
    assert_eq!(read_end(delimiter_due(line(), b"a\r\nb\r\n", 5, 1024)), Some(6));
    // A claim beyond the data is clamped.
    assert!(delimiter_due(line(), b"abc", 99, 1024).is_none());
}

#[test]
fn an_empty_delimiter_is_due_at_once_whatever_was_searched() {
    let empty = Expectation::Delimiter { delimiter: b"", max: 64 }.into();
    assert_eq!(read_end(delimiter_due(empty, b"abc", 0, 1024)), Some(0));
    assert_eq!(read_end(delimiter_due(empty, b"abc", 2, 1024)), Some(0));
}

#[test]
fn a_delimiter_not_found_within_its_bound_is_a_limit() {
    assert_eq!(delimiter_due(line(), &[b'x'; 64], 0, 1024), Some(Due::Limit(Limit::Delimiter { max: 64 })));
    // The buffer bounds it too.
    assert_eq!(delimiter_due(line(), &[b'x'; 16], 0, 16), Some(Due::Limit(Limit::Delimiter { max: 64 })));
}

#[test]
fn bytes_larger_than_the_buffer_are_a_limit() {
    assert_eq!(bytes_due(5, 4, 16), None);
    assert_eq!(bytes_due(5, 9, 16), Some(Due::Read(5)));
    assert_eq!(bytes_due(17, 0, 16), Some(Due::Limit(Limit::BufferSize { wanted: 17, capacity: 16 })));
}
