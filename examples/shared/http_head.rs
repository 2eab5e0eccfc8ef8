//! The request-head parser of `http_hello`: the request line and the
//! headers it acts on. Its own file so the fuzz target
//! (`fuzz/fuzz_targets/http_head.rs`) can include it.

/// What the `Connection` header of a response says.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Keep-alive by default (HTTP/1.1): no header.
    Default,
    /// Keep-alive asked for by an HTTP/1.0 client: `Connection: keep-alive`.
    Explicit,
    /// Close after the response: `Connection: close`.
    Close,
}

/// A parsed request head: how to answer and how long the body is.
pub struct Head {
    /// What the response's `Connection` header says.
    pub keep: Keep,
    /// The target is `/stats`.
    pub stats: bool,
    /// The body's length (`Content-Length`, 0 without one).
    pub length: u64,
    /// `Expect: 100-continue` (HTTP/1.1 only).
    pub expect_continue: bool,
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a request head (up to and including its blank line); `Err` is the
/// error status to answer with.
pub fn parse_head<'a>(head: &'a [u8]) -> Result<Head, &'static str> {
    const BAD: &str = "400 Bad Request";
    let head = &head[..head.len() - 4]; // Without the blank line.
    let start = head.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(0); // RFC 9112 §2.2
    let mut lines = head[start..].split(|&b| b == b'\n');
    let crlf = |l: &'a [u8]| l.strip_suffix(b"\r").unwrap_or(l); // Tolerates a bare LF inside the head.
    let line = lines.next().map(crlf).ok_or(BAD)?;
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next(), parts.next(), parts.next().ok_or(BAD)?);
    let target_ok = target.is_some_and(|t| !t.is_empty() && t.iter().all(|b| b.is_ascii_graphic()));
    let minor = match version {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if d.is_ascii_digit() => *d,
        _ => return Err(BAD),
    };
    if parts.next().is_some() || !method.is_some_and(is_token) || !target_ok {
        return Err(BAD);
    }
    let http10 = minor == b'0';
    let (mut length, mut close, mut keep_alive, mut expect_continue) = (None, false, false, false);
    for line in lines {
        let line = crlf(line);
        let colon = line.iter().position(|&b| b == b':').ok_or(BAD)?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if !is_token(name) || value.iter().any(|&b| b == b'\r' || b == 0) {
            return Err(BAD);
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let digits = value.iter().all(u8::is_ascii_digit).then(|| std::str::from_utf8(value).ok()).flatten();
            let parsed = digits.and_then(|d| d.parse::<u64>().ok());
            if length.is_some() || parsed.is_none() {
                return Err(BAD);
            }
            length = parsed;
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err("501 Not Implemented");
        } else if name.eq_ignore_ascii_case(b"connection") {
            for option in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                close |= option.eq_ignore_ascii_case(b"close");
                keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"expect") {
            expect_continue = !http10 && value.eq_ignore_ascii_case(b"100-continue");
        }
    }
    let keep = match (close, http10, keep_alive) {
        (false, false, _) => Keep::Default,
        (false, true, true) => Keep::Explicit,
        _ => Keep::Close,
    };
    let stats = target == Some(&b"/stats"[..]);
    Ok(Head { keep, stats, length: length.unwrap_or(0), expect_continue })
}
