//! RESP2 requests in, replies out.
//!
//! A request is a multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or an
//! inline command (`GET k\r\n`, what telnet users and `redis-cli --pipe`
//! scripts send). Arguments are parsed as `(start, end)` ranges into the
//! input buffer: nothing is copied. A multibulk request larger than the
//! buffer is read into memory argument by argument instead ([`Spill`](crate::spill::Spill)),
//! with the same header parsers.

use std::fmt;

use mio::stream::Output;

/// Where an argument is: `data[start..end]`.
pub type Arg = (usize, usize);

/// The most arguments one request may have (Redis: 1024 * 1024).
const MAX_MULTIBULK: i64 = 1024 * 1024;
/// One parse of the front of the input.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A command whose arguments are in `args`, `len` bytes long.
    Command(usize),
    /// A request with nothing to run (`*0`, an empty line): skip `len` bytes.
    Empty(usize),
    /// Incomplete: at least this many bytes are needed in all.
    Partial(usize),
    /// Malformed: Redis answers `-ERR Protocol error: ...` and closes.
    Invalid(ProtocolError),
}

/// A malformed request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    MultibulkLength,
    ExpectedDollar(u8),
    BulkLength,
    UnbalancedQuotes,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::MultibulkLength => f.write_str("invalid multibulk length"),
            ProtocolError::ExpectedDollar(got) => write!(f, "expected '$', got '{}'", char::from(*got)),
            ProtocolError::BulkLength => f.write_str("invalid bulk length"),
            ProtocolError::UnbalancedQuotes => f.write_str("unbalanced quotes in request"),
        }
    }
}

/// Parses the request at the front of `data` (not empty) into `args`. A
/// bulk longer than `max_bulk` bytes is invalid (Redis' `proto-max-bulk-len`).
pub fn parse(data: &[u8], args: &mut Vec<Arg>, max_bulk: usize) -> Frame {
    args.clear();
    if data[0] != b'*' {
        return parse_inline(data, args);
    }
    let (count, mut pos) = match multibulk_header(data) {
        Ok(Some(header)) => header,
        Ok(None) => return Frame::Partial(data.len() + 1),
        Err(e) => return Frame::Invalid(e),
    };
    if count == 0 {
        return Frame::Empty(pos);
    }
    for _ in 0..count {
        let (len, start) = match bulk_header(&data[pos..], max_bulk) {
            Ok(Some((len, header))) => (len, pos + header),
            Ok(None) => return Frame::Partial(data.len() + 1),
            Err(e) => return Frame::Invalid(e),
        };
        pos = start + len + 2;
        if pos > data.len() {
            return Frame::Partial(pos);
        }
        args.push((start, start + len));
    }
    Frame::Command(pos)
}

/// The `*count\r\n` line at the front of `data` (which starts with `*`):
/// the count (0 for `*0` and negative counts, which are empty requests) and
/// the line's length; `None` until the line is complete.
pub fn multibulk_header(data: &[u8]) -> Result<Option<(usize, usize)>, ProtocolError> {
    let Some(eol) = find_cr(data, 1) else { return Ok(None) };
    match integer(&data[1..eol]) {
        Some(n) if n <= MAX_MULTIBULK => Ok(Some((n.max(0) as usize, eol + 2))),
        _ => Err(ProtocolError::MultibulkLength),
    }
}

/// The `$len\r\n` line at the front of `data`: the bulk's length (at most
/// `max_bulk`) and the line's length; `None` until the line is complete.
#[inline]
pub fn bulk_header(data: &[u8], max_bulk: usize) -> Result<Option<(usize, usize)>, ProtocolError> {
    match data.first() {
        None => return Ok(None),
        Some(b'$') => {}
        Some(&other) => return Err(ProtocolError::ExpectedDollar(other)),
    }
    let Some(eol) = find_cr(data, 1) else { return Ok(None) };
    match integer(&data[1..eol]) {
        Some(n) if n >= 0 && n as u64 <= max_bulk as u64 => Ok(Some((n as usize, eol + 2))),
        _ => Err(ProtocolError::BulkLength),
    }
}

/// An inline command: words separated by blanks, `"..."` or `'...'` quoting
/// a word verbatim (no escapes), ended by `\n` or `\r\n`.
fn parse_inline(data: &[u8], args: &mut Vec<Arg>) -> Frame {
    let Some(newline) = data.iter().position(|&b| b == b'\n') else { return Frame::Partial(data.len() + 1) };
    let end = if newline > 0 && data[newline - 1] == b'\r' { newline - 1 } else { newline };
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut i = 0;
    while i < end {
        if blank(data[i]) {
            i += 1;
        } else if let quote @ (b'"' | b'\'') = data[i] {
            let Some(len) = data[i + 1..end].iter().position(|&b| b == quote) else {
                return Frame::Invalid(ProtocolError::UnbalancedQuotes);
            };
            let close = i + 1 + len;
            if close + 1 < end && !blank(data[close + 1]) {
                return Frame::Invalid(ProtocolError::UnbalancedQuotes);
            }
            args.push((i + 1, close));
            i = close + 1;
        } else {
            let start = i;
            while i < end && !blank(data[i]) {
                i += 1;
            }
            args.push((start, i));
        }
    }
    if args.is_empty() {
        Frame::Empty(newline + 1)
    } else {
        Frame::Command(newline + 1)
    }
}

/// The index of the `\r` ending the line that starts at `from`, if the
/// byte after it (the `\n`) has arrived too.
fn find_cr(data: &[u8], from: usize) -> Option<usize> {
    let cr = from + data.get(from..)?.iter().position(|&b| b == b'\r')?;
    (cr + 1 < data.len()).then_some(cr)
}

/// A strict decimal `i64`, as Redis' `string2ll`: optional `-`, no `+`, no
/// leading zeros, no blanks, no overflow.
pub fn integer(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'0'] if !negative => return Some(0),
        [] | [b'0', ..] => return None,
        _ => {}
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let d = i64::from(d - b'0');
        n = n.checked_mul(10)?;
        n = if negative { n.checked_sub(d)? } else { n.checked_add(d)? };
    }
    Some(n)
}

/// Appends `prefix`, `n` in decimal and `\r\n` (`:5`, `$3`, `*2`). At most
/// 24 bytes.
pub fn number(out: &mut Output<'_>, prefix: u8, n: i64) {
    let mut buf = [0u8; 24];
    let mut i = buf.len() - 2;
    buf[i..].copy_from_slice(b"\r\n");
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    i -= 1;
    buf[i] = prefix;
    out.push(&buf[i..]);
}

/// Appends a bulk string reply.
pub fn bulk(out: &mut Output<'_>, value: &[u8]) {
    number(out, b'$', value.len() as i64);
    out.push(value);
    out.push(b"\r\n");
}

/// The room a bulk reply of `len` bytes takes.
pub fn bulk_room(len: usize) -> usize {
    len + 24
}

/// Appends an error reply: `-ERR `, `what` with CR and LF turned to blanks
/// (as Redis does), `\r\n`.
pub fn error(out: &mut Output<'_>, what: fmt::Arguments<'_>) {
    struct Sanitized<'a, 'b>(&'a mut Output<'b>);
    impl fmt::Write for Sanitized<'_, '_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for part in s.split_inclusive(['\r', '\n']) {
                match part.strip_suffix(['\r', '\n']) {
                    Some(text) => {
                        self.0.push(text.as_bytes());
                        self.0.push(b" ");
                    }
                    None => {
                        self.0.push(part.as_bytes());
                    }
                }
            }
            Ok(())
        }
    }
    out.push(b"-ERR ");
    let _ = fmt::Write::write_fmt(&mut Sanitized(out), what);
    out.push(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 512 * 1024 * 1024;

    #[test]
    fn multibulk_and_inline() {
        let mut args = Vec::new();
        let req = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING";
        assert_eq!(parse(req, &mut args, MAX), Frame::Command(20));
        assert_eq!(args, [(8, 11), (17, 18)]);
        for cut in 1..20 {
            assert!(matches!(parse(&req[..cut], &mut args, MAX), Frame::Partial(n) if n > cut), "cut {cut}");
        }
        assert_eq!(parse(b"set a 'b c'  \"\"\r\n", &mut args, MAX), Frame::Command(17));
        assert_eq!(args, [(0, 3), (4, 5), (7, 10), (14, 14)]);
        assert_eq!(parse(b"\r\n", &mut args, MAX), Frame::Empty(2));
        assert_eq!(parse(b"*0\r\n", &mut args, MAX), Frame::Empty(4));
        assert_eq!(parse(b"*x\r\n", &mut args, MAX), Frame::Invalid(ProtocolError::MultibulkLength));
        assert_eq!(parse(b"*1\r\n+a\r\n", &mut args, MAX), Frame::Invalid(ProtocolError::ExpectedDollar(b'+')));
        assert_eq!(parse(b"*1\r\n$-1\r\n", &mut args, MAX), Frame::Invalid(ProtocolError::BulkLength));
        assert_eq!(parse(b"get \"a\r\n", &mut args, MAX), Frame::Invalid(ProtocolError::UnbalancedQuotes));
    }

    #[test]
    fn bulk_lengths_are_bounded_by_the_maximum() {
        let mut args = Vec::new();
        assert_eq!(parse(b"*1\r\n$3\r\nabc\r\n", &mut args, 3), Frame::Command(13));
        assert_eq!(parse(b"*1\r\n$4\r\nabcd\r\n", &mut args, 3), Frame::Invalid(ProtocolError::BulkLength));
        // Larger than any buffer, within the maximum: the bytes it needs.
        assert_eq!(parse(b"*2\r\n$3\r\nSET\r\n$1000000\r\nab", &mut args, MAX), Frame::Partial(1_000_025));
        assert_eq!(bulk_header(b"$10\r\n", 10), Ok(Some((10, 5))));
        assert_eq!(bulk_header(b"$10\r", 10), Ok(None));
        assert_eq!(multibulk_header(b"*-1\r\n"), Ok(Some((0, 5))));
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(integer(b"0"), Some(0));
        assert_eq!(integer(b"-42"), Some(-42));
        assert_eq!(integer(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(integer(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [&b""[..], b"-", b"-0", b"01", b"+1", b"1 ", b"9223372036854775808", b"1x"] {
            assert_eq!(integer(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
