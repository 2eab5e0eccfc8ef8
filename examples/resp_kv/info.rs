//! INFO's `clients` and `stats` sections, from the loop's counters
//! (`mio::counters`), in Redis's format: a bulk string of `# Section`
//! headers and `field:value` lines, sections apart by a blank line.
//!
//! The Redis fields it can fill come first (`connected_clients`,
//! `total_connections_received`, `total_net_input_bytes`, ...); the loop's
//! own counts follow as `mio_*` fields, which redis-cli shows like any
//! other.

use std::io::{self, Write};
use std::sync::OnceLock;

use mio::counters::{CountersHandle, Snapshot};

use crate::info_sections::Facts;

/// The machines that are not clients: the listener, the signal watcher and
/// the expirer.
const NOT_CLIENTS: u64 = 3;

/// The loop's counters: resp_kv runs one loop, set up once in `main`.
static COUNTERS: OnceLock<CountersHandle> = OnceLock::new();

/// Where INFO reads the counters from (`main` calls it once).
pub fn watch(counters: CountersHandle) {
    let _ = COUNTERS.set(counters);
}

/// INFO's `clients` section (see [`SECTIONS`](crate::info_sections::SECTIONS)).
pub fn clients_section(w: &mut dyn Write, _: &Facts<'_>) -> io::Result<()> {
    match COUNTERS.get() {
        Some(counters) => clients(w, &counters.snapshot()),
        None => Ok(()),
    }
}

/// INFO's `stats` section.
pub fn stats_section(w: &mut dyn Write, _: &Facts<'_>) -> io::Result<()> {
    match COUNTERS.get() {
        Some(counters) => stats(w, &counters.snapshot()),
        None => Ok(()),
    }
}

fn clients(w: &mut dyn Write, s: &Snapshot) -> io::Result<()> {
    write!(w, "# Clients\r\n")?;
    write!(w, "connected_clients:{}\r\n", s.machines_alive().saturating_sub(NOT_CLIENTS))?;
    write!(w, "maxclients:{}\r\n", crate::MAX_CLIENTS)?;
    write!(w, "blocked_clients:0\r\n")
}

fn stats(w: &mut dyn Write, s: &Snapshot) -> io::Result<()> {
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
