//! INFO's `clients` and `stats` sections, from the loop's counters
//! (`mio::counters`), in Redis's format: a bulk string of `# Section`
//! headers and `field:value` lines, sections apart by a blank line.
//!
//! The Redis fields it can fill come first (`connected_clients`,
//! `total_connections_received`, `total_net_input_bytes`, ...); the loop's
//! own counts follow as `mio_*` fields, which redis-cli shows like any
//! other.

use std::io::Write as _;
use std::sync::OnceLock;

use mio::counters::{CountersHandle, Snapshot};
use mio::stream::Output;

use crate::args::Args;
use crate::frame::bulk;

/// The machines that are not clients: the listener, the signal watcher and
/// the expirer.
const NOT_CLIENTS: u64 = 3;

/// The longest reply: both sections fit, and the command runs only with
/// `SMALL_REPLY` (1 KB) of room free.
const MAX_INFO: usize = 1000;

/// The loop's counters: resp_kv runs one loop, set up once in `main`.
static COUNTERS: OnceLock<CountersHandle> = OnceLock::new();

/// Where INFO reads the counters from (`main` calls it once).
pub fn watch(counters: CountersHandle) {
    let _ = COUNTERS.set(counters);
}

/// Answers `INFO [section ...]`: `clients` and `stats` (also for no
/// section, `default`, `all` and `everything`); any other section adds
/// nothing, as in Redis for a section it does not know.
pub fn info<R: Args + ?Sized>(req: &R, out: &mut Output<'_>) {
    let wants = |section: &str| {
        req.len() == 1 || (1..req.len()).any(|i| ["default", "all", "everything", section].iter().any(|s| req.is(i, s)))
    };
    let snapshot = COUNTERS.get().map(CountersHandle::snapshot);
    let mut buf = [0u8; MAX_INFO];
    let mut text = &mut buf[..];
    if let Some(s) = &snapshot {
        let mut sections = 0;
        if wants("clients") {
            let _ = clients(&mut text, s);
            sections += 1;
        }
        if wants("stats") {
            if sections > 0 {
                let _ = text.write_all(b"\r\n");
            }
            let _ = stats(&mut text, s);
        }
    }
    let len = MAX_INFO - text.len();
    bulk(out, &buf[..len]);
}

fn clients(w: &mut impl std::io::Write, s: &Snapshot) -> std::io::Result<()> {
    write!(w, "# Clients\r\n")?;
    write!(w, "connected_clients:{}\r\n", s.machines_alive().saturating_sub(NOT_CLIENTS))?;
    write!(w, "maxclients:{}\r\n", crate::MAX_CLIENTS)?;
    write!(w, "blocked_clients:0\r\n")
}

fn stats(w: &mut impl std::io::Write, s: &Snapshot) -> std::io::Result<()> {
    write!(w, "# Stats\r\n")?;
    write!(w, "total_connections_received:{}\r\n", s.accepts)?;
    write!(w, "total_net_input_bytes:{}\r\n", s.bytes_read)?;
    write!(w, "total_net_output_bytes:{}\r\n", s.bytes_written)?;
    let fields = [
        ("turns", s.turns),
        ("readiness_events", s.events),
        ("channel_messages", s.messages),
        ("waker_writes", s.waker_writes),
        ("timers_armed", s.timers_armed),
        ("timers_fired", s.timers_fired),
        ("timers_cancelled", s.timers_cancelled),
        ("machines_alive", s.machines_alive()),
        ("machines_created", s.machines_created),
        ("machines_ended", s.machines_ended),
        ("machines_failed", s.machines_failed()),
        ("buffers_in_use", s.buffers_in_use),
        ("buffers_total", s.buffers_total),
    ];
    for (name, value) in fields {
        write!(w, "mio_{name}:{value}\r\n")?;
    }
    Ok(())
}
