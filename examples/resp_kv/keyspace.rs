//! Commands over the key space: KEYS and SCAN (with [`glob`](crate::glob)
//! patterns), and those about one key's kind and life: TYPE, PERSIST.
//!
//! KEYS answers every matching key at once, as Redis does (O(keys)). SCAN
//! walks the database's key slots from its cursor, `COUNT` slots holding a
//! key at a time (default 10; up to ten times as many empty ones), so a
//! call costs O(COUNT) however large the database; a key that exists from
//! the first call to the last is returned exactly once.
//!
//! A reply that fits in the output's room is written straight into it;
//! a larger one (a KEYS of a large database) is built in memory once and
//! queued, as a large value is.

use std::io::Write as _;

use mio::stream::{Bytes, Output, QueueFull};

use crate::args::Args;
use crate::commands::Exec;
use crate::db::Db;
use crate::frame::{bulk, error, integer, number};
use crate::glob;

/// SCAN's default COUNT.
const SCAN_COUNT: usize = 10;

/// `KEYS pattern`.
pub fn keys<R: Args + ?Sized>(db: &Db, req: &R, out: &mut Output<'_>, now: u64) -> Exec {
    let pattern = req.arg(1);
    let everything = pattern == b"*";
    let matching = || db.keys(now).filter(|key| everything || glob::matches(pattern, key));
    send_keys(out, &[], matching)
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`: every value is
/// a string, so TYPE `string` keeps all keys and any other none.
pub fn scan<R: Args + ?Sized>(db: &Db, req: &R, out: &mut Output<'_>, now: u64) -> Exec {
    let Some(cursor) = cursor(req.arg(1)) else {
        error(out, format_args!("invalid cursor"));
        return Exec::Done;
    };
    let (mut pattern, mut count, mut strings) = (None, SCAN_COUNT, true);
    let mut i = 2;
    while i < req.len() {
        if i + 1 == req.len() {
            return syntax_error(out);
        }
        if req.is(i, "match") {
            pattern = Some(req.arg(i + 1)).filter(|&p| p != b"*");
        } else if req.is(i, "count") {
            match integer(req.arg(i + 1)) {
                Some(n) if n >= 1 => count = n as usize,
                Some(_) => return syntax_error(out),
                None => {
                    error(out, format_args!("value is not an integer or out of range"));
                    return Exec::Done;
                }
            }
        } else if req.is(i, "type") {
            strings = req.is(i + 1, "string");
        } else {
            return syntax_error(out);
        }
        i += 2;
    }
    let start = cursor.min(db.slots() as u64) as usize;
    let (mut end, mut keys) = (start, 0);
    let most_slots = count.saturating_mul(10);
    while end < db.slots() && keys < count && end - start < most_slots {
        keys += usize::from(db.slot(end, now).is_some());
        end += 1;
    }
    let next = if end == db.slots() { 0 } else { end };
    let mut header = [0u8; 48];
    let header = {
        let mut w = &mut header[..];
        let digits = decimal_len(next as u64);
        let _ = write!(w, "*2\r\n${digits}\r\n{next}\r\n");
        let len = 48 - w.len();
        &header[..len]
    };
    let matching = || {
        (start..end)
            .filter_map(|slot| db.slot(slot, now))
            .filter(|key| strings && pattern.is_none_or(|p| glob::matches(p, key)))
    };
    send_keys(out, header, matching)
}

/// `TYPE key`.
pub fn key_type<R: Args + ?Sized>(db: &mut Db, req: &R, out: &mut Output<'_>, now: u64) {
    match db.get(req.arg(1), now) {
        Some(_) => out.push(b"+string\r\n"),
        None => out.push(b"+none\r\n"),
    };
}

/// `PERSIST key`.
pub fn persist<R: Args + ?Sized>(db: &mut Db, req: &R, out: &mut Output<'_>, now: u64) {
    number(out, b':', i64::from(db.persist(req.arg(1), now)));
}

/// SCAN's cursor: an unsigned 64-bit decimal.
fn cursor(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Writes `header` and an array of the keys `keys()` yields (called twice:
/// to size the reply, then to write it; nothing runs in between).
fn send_keys<'k, I: Iterator<Item = &'k [u8]>>(out: &mut Output<'_>, header: &[u8], keys: impl Fn() -> I) -> Exec {
    let (count, size) = keys().fold((0, 0), |(n, size), key| (n + 1, size + bulk_size(key.len())));
    let size = header.len() + 1 + decimal_len(count as u64) + 2 + size;
    if size <= out.remaining() {
        out.push(header);
        number(out, b'*', count as i64);
        keys().for_each(|key| bulk(out, key));
        return Exec::Done;
    }
    let mut reply = Vec::with_capacity(size);
    reply.extend_from_slice(header);
    let _ = write!(reply, "*{count}\r\n");
    for key in keys() {
        let _ = write!(reply, "${}\r\n", key.len());
        reply.extend_from_slice(key);
        reply.extend_from_slice(b"\r\n");
    }
    // A queued value is followed by `\r\n` (here, or after a flush if the
    // queue is full): it ends the reply.
    reply.truncate(reply.len() - 2);
    match out.queue(Bytes::from(reply)) {
        Ok(()) => {
            out.push(b"\r\n");
            Exec::Done
        }
        Err(QueueFull(reply)) => Exec::QueueFull(reply, None),
    }
}

/// The size of a bulk reply of `len` bytes.
fn bulk_size(len: usize) -> usize {
    1 + decimal_len(len as u64) + 2 + len + 2
}

/// How many decimal digits `n` has.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

fn syntax_error(out: &mut Output<'_>) -> Exec {
    error(out, format_args!("syntax error"));
    Exec::Done
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::db::Ttl;

    #[test]
    fn cursors_are_unsigned_decimals() {
        assert_eq!(cursor(b"0"), Some(0));
        assert_eq!(cursor(b"18446744073709551615"), Some(u64::MAX));
        for bad in [&b""[..], b"-1", b"+1", b"1x", b"18446744073709551616", b" 1"] {
            assert_eq!(cursor(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn sizes_are_exact() {
        assert_eq!([0, 9, 10, 99, 100, u64::MAX].map(decimal_len), [1, 1, 2, 2, 3, 20]);
        assert_eq!(bulk_size(3), b"$3\r\nabc\r\n".len());
        assert_eq!(bulk_size(10), b"$10\r\n0123456789\r\n".len());
    }

    /// The keys a full scan returns, `count` slots at a time, with `change`
    /// run between calls.
    fn full_scan(db: &mut Db, count: usize, mut change: impl FnMut(&mut Db, usize)) -> Vec<Vec<u8>> {
        let (mut cursor, mut seen, mut calls) = (0, Vec::new(), 0);
        loop {
            let mut keys = 0;
            while cursor < db.slots() && keys < count {
                if let Some(key) = db.slot(cursor, 0) {
                    seen.push(key.to_vec());
                    keys += 1;
                }
                cursor += 1;
            }
            if cursor == db.slots() {
                return seen;
            }
            change(db, calls);
            calls += 1;
        }
    }

    #[test]
    fn a_scan_returns_every_key_present_throughout_once() {
        let mut db = Db::new(Instant::now());
        for i in 0..100 {
            db.set(format!("stay:{i}").as_bytes(), Bytes::from_static(b"v"), Ttl::Clear);
            db.set(format!("go:{i}").as_bytes(), Bytes::from_static(b"v"), Ttl::Clear);
        }
        // Between calls, keys come and go: holes are made and refilled.
        let seen = full_scan(&mut db, 7, |db, call| {
            db.remove(format!("go:{call}").as_bytes());
            db.set(format!("new:{call}").as_bytes(), Bytes::from_static(b"v"), Ttl::Clear);
        });
        for i in 0..100 {
            let key = format!("stay:{i}").into_bytes();
            assert_eq!(seen.iter().filter(|k| **k == key).count(), 1, "stay:{i}");
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no key twice");
    }

    #[test]
    fn expired_keys_are_skipped() {
        let mut db = Db::new(Instant::now());
        db.set(b"short", Bytes::from_static(b"v"), Ttl::At(10));
        db.set(b"long", Bytes::from_static(b"v"), Ttl::At(1000));
        assert_eq!(db.slot(0, 5), Some(&b"short"[..]));
        assert_eq!(db.slot(0, 10), None);
        assert_eq!(db.keys(10).collect::<Vec<_>>(), [b"long"]);
        assert_eq!(db.average_ttl(0), 505);
        assert!(db.persist(b"long", 10) && !db.persist(b"long", 10));
        assert_eq!(db.volatile(), 1);
    }
}
