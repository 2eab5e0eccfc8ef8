//! Skipping over RESP2 replies without keeping them: the client needs to
//! know where each reply ends and whether it is an error, nothing more.

/// Arrays nested deeper than this are refused (GET, SET and PING replies
/// are never arrays; this bounds the recursion on a hostile server).
const MAX_DEPTH: u32 = 8;

/// What the front of the input holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A whole reply of `len` bytes; `error` for a `-ERR ...` reply.
    Complete { len: usize, error: bool },
    /// A bulk string whose header (`$N\r\n`, `header` bytes) is here but
    /// whose body is not all here yet: the reply is `total` bytes long.
    Bulk { header: usize, total: usize },
    /// Not enough bytes to say more.
    Partial,
    /// Not RESP.
    Invalid,
}

/// Parses the reply at the front of `data`.
pub fn parse(data: &[u8]) -> Reply {
    match skip(data, 0, 0) {
        Step::Done(end) => Reply::Complete { len: end, error: data[0] == b'-' },
        Step::Bulk { header, total } => Reply::Bulk { header, total },
        Step::More => Reply::Partial,
        Step::Invalid => Reply::Invalid,
    }
}

enum Step {
    Done(usize),
    Bulk { header: usize, total: usize },
    More,
    Invalid,
}

/// Skips the reply at `at`: where it ends, or why it cannot be skipped yet.
fn skip(data: &[u8], at: usize, depth: u32) -> Step {
    let Some(&kind) = data.get(at) else { return Step::More };
    let line_end = match line_end(data, at + 1) {
        Some(Ok(end)) => end,
        Some(Err(())) => return Step::Invalid,
        None => return Step::More,
    };
    let line = &data[at + 1..line_end - 2];
    match kind {
        b'+' | b'-' | b':' => Step::Done(line_end),
        b'$' => match number(line) {
            Some(-1) => Step::Done(line_end),
            Some(n) if n >= 0 => {
                let total = line_end + n as usize + 2;
                if data.len() < total {
                    Step::Bulk { header: line_end - at, total: total - at }
                } else if &data[total - 2..total] != b"\r\n" {
                    Step::Invalid
                } else {
                    Step::Done(total)
                }
            }
            _ => Step::Invalid,
        },
        b'*' if depth < MAX_DEPTH => match number(line) {
            Some(-1) => Step::Done(line_end),
            Some(n) if n >= 0 => {
                let mut end = line_end;
                for _ in 0..n {
                    match skip(data, end, depth + 1) {
                        Step::Done(next) => end = next,
                        Step::Invalid => return Step::Invalid,
                        // An element's partial bulk is not the top-level reply's.
                        _ => return Step::More,
                    }
                }
                Step::Done(end)
            }
            _ => Step::Invalid,
        },
        _ => Step::Invalid,
    }
}

/// The index just past the `\r\n` that ends the line starting at `from`:
/// `None` before its `\n` arrives, an error for a `\n` without its `\r`.
fn line_end(data: &[u8], from: usize) -> Option<Result<usize, ()>> {
    let newline = data.get(from..)?.iter().position(|&b| b == b'\n')? + from;
    Some(if newline > from && data[newline - 1] == b'\r' { Ok(newline + 1) } else { Err(()) })
}

/// A RESP integer: an optional `-` and 1 to 18 digits.
fn number(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_replies() {
        assert_eq!(parse(b"+OK\r\n+PONG\r\n"), Reply::Complete { len: 5, error: false });
        assert_eq!(parse(b"-ERR no\r\n"), Reply::Complete { len: 9, error: true });
        assert_eq!(parse(b":42\r\n"), Reply::Complete { len: 5, error: false });
        assert_eq!(parse(b"$3\r\nabc\r\n"), Reply::Complete { len: 9, error: false });
        assert_eq!(parse(b"$-1\r\n"), Reply::Complete { len: 5, error: false });
        assert_eq!(parse(b"*2\r\n$1\r\na\r\n:1\r\n"), Reply::Complete { len: 15, error: false });
    }

    #[test]
    fn partial_replies_ask_for_more() {
        for whole in [&b"+OK\r\n"[..], b"$3\r\nabc\r\n", b"*2\r\n$1\r\na\r\n:1\r\n"] {
            for cut in 0..whole.len() {
                let r = parse(&whole[..cut]);
                assert!(matches!(r, Reply::Partial | Reply::Bulk { .. }), "{:?} -> {r:?}", &whole[..cut]);
            }
        }
        assert_eq!(parse(b"$10\r\nabc"), Reply::Bulk { header: 5, total: 17 });
    }

    #[test]
    fn garbage_is_invalid() {
        for bad in [&b"?x\r\n"[..], b"$x\r\n", b"$3\r\nabcde", b"*-5\r\n", b"$99999999999999999999\r\n", b"+OK\n"] {
            assert_eq!(parse(bad), Reply::Invalid, "{bad:?}");
        }
        let mut deep = Vec::new();
        for _ in 0..20 {
            deep.extend_from_slice(b"*1\r\n");
        }
        deep.extend_from_slice(b":1\r\n");
        assert_eq!(parse(&deep), Reply::Invalid);
    }
}
