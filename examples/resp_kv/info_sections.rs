//! `INFO [section ...]`: which sections a request asks for, and the
//! `server` and `keyspace` sections.
//!
//! The reply is a bulk string in Redis' format: each section a `# Name`
//! line and `field:value` lines, sections apart by a blank line, all lines
//! ending in CRLF. Sections come in [`SECTIONS`]' order whatever order they
//! are asked in, each once. `INFO` alone, `default`, `all` and `everything`
//! ask for every section here; a section name is matched ignoring case,
//! and one not known adds nothing (`INFO nosuch` is an empty bulk), as in
//! Redis.
//!
//! A section is a function writing its text ([`Section`]); another module
//! adds one by adding a row to [`SECTIONS`]. The text is formatted on the
//! stack (at most [`MAX_INFO`] bytes), so INFO allocates nothing.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU16, Ordering};

use mio::stream::Output;

use crate::args::Args;
use crate::commands::Exec;
use crate::db::Db;
use crate::frame::{bulk, bulk_room};

/// The Redis version this server answers as (INFO, HELLO): the one whose
/// replies and errors it follows.
pub const REDIS_VERSION: &str = "7.0.0";

/// The longest INFO text; a section cut there is cut short.
const MAX_INFO: usize = 4096;

/// What a section reads.
#[derive(Debug)]
pub struct Facts<'a> {
    pub db: &'a Db,
    /// The database's tick (milliseconds since the server started).
    pub now: u64,
}

/// An INFO section: writes its `# Name` line and fields.
pub type Section = fn(&mut dyn Write, &Facts<'_>) -> io::Result<()>;

/// Every section, by name (lower case), in the order INFO writes them.
pub const SECTIONS: &[(&str, Section)] = &[
    ("server", server),
    ("clients", crate::info::clients_section),
    ("stats", crate::info::stats_section),
    ("keyspace", keyspace),
];

/// The port the server listens on (set once by `main`).
static PORT: AtomicU16 = AtomicU16::new(0);

/// Tells INFO the port the server listens on.
pub fn listening_on(port: u16) {
    PORT.store(port, Ordering::Relaxed);
}

/// `INFO [section ...]`: `Blocked` if the text does not fit in the output
/// yet (nothing is written then).
pub fn info<R: Args + ?Sized>(db: &Db, req: &R, out: &mut Output<'_>, now: u64) -> Exec {
    let everything =
        req.len() == 1 || (1..req.len()).any(|i| ["default", "all", "everything"].iter().any(|w| req.is(i, w)));
    let facts = Facts { db, now };
    let mut buf = [0u8; MAX_INFO];
    let mut text = &mut buf[..];
    let mut first = true;
    for &(name, write) in SECTIONS {
        if everything || (1..req.len()).any(|i| req.is(i, name)) {
            if !first {
                let _ = text.write_all(b"\r\n");
            }
            first = false;
            let _ = write(&mut text, &facts);
        }
    }
    let len = MAX_INFO - text.len();
    if out.remaining() < bulk_room(len) {
        return Exec::Blocked;
    }
    bulk(out, &buf[..len]);
    Exec::Done
}

/// `# Server`: what the server is and how long it has run.
fn server(w: &mut dyn Write, facts: &Facts<'_>) -> io::Result<()> {
    write!(w, "# Server\r\n")?;
    write!(w, "redis_version:{REDIS_VERSION}\r\n")?;
    write!(w, "redis_mode:standalone\r\n")?;
    write!(w, "os:{} {}\r\n", std::env::consts::OS, std::env::consts::ARCH)?;
    write!(w, "arch_bits:{}\r\n", usize::BITS)?;
    write!(w, "process_id:{}\r\n", std::process::id())?;
    write!(w, "tcp_port:{}\r\n", PORT.load(Ordering::Relaxed))?;
    write!(w, "uptime_in_seconds:{}\r\n", facts.now / 1000)?;
    write!(w, "uptime_in_days:{}\r\n", facts.now / 86_400_000)?;
    write!(w, "mio_server:resp_kv\r\n")
}

/// `# Keyspace`: a `db0` line when the database has keys (not yet evicted
/// ones count, as in DBSIZE), as Redis writes it.
fn keyspace(w: &mut dyn Write, facts: &Facts<'_>) -> io::Result<()> {
    write!(w, "# Keyspace\r\n")?;
    let db = facts.db;
    if db.len() > 0 {
        write!(w, "db0:keys={},expires={},avg_ttl={}\r\n", db.len(), db.volatile(), db.average_ttl(facts.now))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use mio::stream::Bytes;

    use super::*;
    use crate::db::Ttl;

    fn text(section: Section, db: &Db, now: u64) -> String {
        let mut out = Vec::new();
        section(&mut out, &Facts { db, now }).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn keyspace_counts_keys_and_expiries() {
        let mut db = Db::new(Instant::now());
        assert_eq!(text(keyspace, &db, 0), "# Keyspace\r\n");
        db.set(b"a", Bytes::from_static(b"1"), Ttl::Clear);
        db.set(b"b", Bytes::from_static(b"2"), Ttl::At(3_000));
        db.set(b"c", Bytes::from_static(b"3"), Ttl::At(5_000));
        assert_eq!(text(keyspace, &db, 1_000), "# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=3000\r\n");
    }

    #[test]
    fn server_says_what_it_is() {
        let db = Db::new(Instant::now());
        let server = text(server, &db, 90_061_000);
        assert!(server.starts_with("# Server\r\nredis_version:7.0.0\r\n"), "{server}");
        assert!(server.contains("\r\nuptime_in_seconds:90061\r\nuptime_in_days:1\r\n"), "{server}");
        let lines = server.strip_suffix("\r\n").expect("CRLF at the end").split("\r\n");
        assert!(lines.into_iter().all(|l| !l.contains('\n') && (l.starts_with("# ") || l.contains(':'))), "{server}");
        let all: usize = SECTIONS.iter().map(|&(_, s)| text(s, &db, 0).len() + 2).sum();
        assert!(all < MAX_INFO / 2, "room for more sections: {all} bytes");
    }
}
