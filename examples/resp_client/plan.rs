//! The command line, and what it makes of it: the commands to send, how
//! many at once, and when to stop.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A command the client can send.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Ping,
    Set,
    Get,
}

/// When the run ends.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// After this long: no request is sent after it, the ones in flight
    /// are waited for.
    After(Duration),
    /// After this many requests in all.
    Requests(u64),
}

/// Keys are 16 bytes: `key:__rand_int__` as redis-benchmark sends without
/// `-r`, or `key:` and 12 digits below the keyspace, as it sends with it.
pub const KEY_LEN: usize = 16;

/// What to do, from the command line.
#[derive(Debug)]
pub struct Plan {
    pub addr: SocketAddr,
    pub conns: usize,
    pub pipeline: usize,
    pub stop: Stop,
    /// The commands in the order they are sent, repeated: `set=2,get=1`
    /// sends SET, SET, GET, SET, SET, GET...
    pub mix: Vec<Kind>,
    /// The SET value's size in bytes.
    pub size: usize,
    /// How many distinct keys (0: the one literal key).
    pub keyspace: u64,
    /// How long a connection may take to connect, or wait for a reply.
    pub timeout: Duration,
}

const USAGE: &str = "usage: resp_client ADDR [--conns N] [--pipeline P] [--secs S | --requests N] \
                     [--mix set=1,get=1,ping=0] [--size BYTES] [--keyspace K] [--timeout-ms MS]";

impl Plan {
    /// Parses this process's arguments.
    ///
    /// # Errors
    ///
    /// `InvalidInput` with the usage for anything it does not understand.
    pub fn parse(mut args: impl Iterator<Item = String>) -> io::Result<Plan> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}\n{USAGE}"));
        let mut plan = Plan {
            addr: "127.0.0.1:6379".parse().unwrap(),
            conns: 50,
            pipeline: 1,
            stop: Stop::After(Duration::from_secs(5)),
            mix: vec![Kind::Set, Kind::Get],
            size: 3,
            keyspace: 0,
            timeout: Duration::from_secs(5),
        };
        let mut addr_seen = false;
        while let Some(arg) = args.next() {
            if !arg.starts_with("--") {
                if addr_seen {
                    return Err(invalid(format!("unexpected argument {arg:?}")));
                }
                plan.addr = arg.parse().map_err(|e| invalid(format!("bad address {arg:?}: {e}")))?;
                addr_seen = true;
                continue;
            }
            let value = args.next().ok_or_else(|| invalid(format!("{arg} needs a value")))?;
            let number = || value.parse::<u64>().map_err(|_| invalid(format!("{arg} wants a number, not {value:?}")));
            match arg.as_str() {
                "--conns" => plan.conns = number()? as usize,
                "--pipeline" => plan.pipeline = number()? as usize,
                "--secs" => plan.stop = Stop::After(Duration::from_secs_f64(number()? as f64)),
                "--requests" => plan.stop = Stop::Requests(number()?),
                "--size" => plan.size = number()? as usize,
                "--keyspace" => plan.keyspace = number()?,
                "--timeout-ms" => plan.timeout = Duration::from_millis(number()?),
                "--mix" => plan.mix = mix(&value).map_err(invalid)?,
                _ => return Err(invalid(format!("unknown option {arg}"))),
            }
        }
        if plan.conns == 0 || plan.pipeline == 0 || plan.pipeline > 4096 {
            return Err(invalid("--conns must be at least 1, --pipeline 1 to 4096".into()));
        }
        if plan.size > 64 << 20 {
            return Err(invalid("--size is at most 64 MiB".into()));
        }
        Ok(plan)
    }

    /// The longest command the plan sends, in bytes.
    pub fn longest_command(&self) -> usize {
        self.mix.iter().map(|&k| prefix(k).len() + KEY_LEN + self.suffix(k).len()).max().unwrap_or(0)
    }

    /// What follows the key: for SET, the value (`x` bytes).
    pub fn suffix(&self, kind: Kind) -> Vec<u8> {
        match kind {
            Kind::Set => {
                let mut s = format!("\r\n${}\r\n", self.size).into_bytes();
                s.resize(s.len() + self.size, b'x');
                s.extend_from_slice(b"\r\n");
                s
            }
            Kind::Get => b"\r\n".to_vec(),
            Kind::Ping => Vec::new(),
        }
    }
}

/// What comes before the key; PING has no key (and no suffix).
pub fn prefix(kind: Kind) -> &'static [u8] {
    match kind {
        Kind::Ping => b"*1\r\n$4\r\nPING\r\n",
        Kind::Set => b"*3\r\n$3\r\nSET\r\n$16\r\n",
        Kind::Get => b"*2\r\n$3\r\nGET\r\n$16\r\n",
    }
}

/// `set=2,get=1` as the repeating order of commands.
fn mix(text: &str) -> Result<Vec<Kind>, String> {
    let mut order = Vec::new();
    for part in text.split(',') {
        let (name, weight) = part.split_once('=').unwrap_or((part, "1"));
        let kind = match name.to_ascii_lowercase().as_str() {
            "ping" => Kind::Ping,
            "set" => Kind::Set,
            "get" => Kind::Get,
            _ => return Err(format!("--mix: unknown command {name:?} (ping, set, get)")),
        };
        let weight: usize = weight.parse().map_err(|_| format!("--mix: bad weight {weight:?}"))?;
        if weight > 64 {
            return Err("--mix: a weight is at most 64".into());
        }
        order.extend(std::iter::repeat_n(kind, weight));
    }
    if order.is_empty() {
        return Err("--mix: no command with a weight above 0".into());
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> io::Result<Plan> {
        Plan::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_options() {
        let plan = parse(&[]).unwrap();
        assert_eq!((plan.conns, plan.pipeline, plan.mix.len()), (50, 1, 2));
        let plan =
            parse(&["127.0.0.1:7000", "--pipeline", "16", "--requests", "100", "--mix", "set=2,get=1,ping=0"]).unwrap();
        assert_eq!(plan.addr.port(), 7000);
        assert_eq!(plan.stop, Stop::Requests(100));
        assert_eq!(plan.mix, [Kind::Set, Kind::Set, Kind::Get]);
        assert_eq!(plan.longest_command(), prefix(Kind::Set).len() + KEY_LEN + b"\r\n$3\r\nxxx\r\n".len());
    }

    #[test]
    fn bad_lines_are_refused() {
        for bad in [&["--conns", "0"][..], &["--mix", "del=1"], &["--mix", "ping=0"], &["--bogus", "1"], &["--secs"]] {
            assert_eq!(parse(bad).unwrap_err().kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }
}
