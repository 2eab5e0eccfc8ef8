//! The command line of the TCP examples: positional arguments (the listen
//! address first), `--threads N` and `--pin`.

use std::io;

/// What the command line asked for.
#[derive(Debug)]
pub struct Args {
    /// The positional arguments, in order.
    pub positional: Vec<String>,
    /// `--threads N` (or `--threads=N`): how many loops, each on its own
    /// thread with its own `SO_REUSEPORT` listener. Default 1: one loop on
    /// the main thread.
    pub threads: usize,
    /// `--pin`: pin loop i to the i-th CPU the process may use.
    pub pin: bool,
}

impl Args {
    /// Parses this process's arguments.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an unknown option, or a thread count that is
    /// missing, not a number, or 0.
    pub fn parse() -> io::Result<Args> {
        Args::parse_from(std::env::args().skip(1))
    }

    fn parse_from(args: impl IntoIterator<Item = String>) -> io::Result<Args> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        let mut parsed = Args { positional: Vec::new(), threads: 1, pin: false };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let threads = match arg.as_str() {
                "--threads" => args.next().ok_or_else(|| invalid("--threads needs a number".into()))?,
                "--pin" => {
                    parsed.pin = true;
                    continue;
                }
                a if a.starts_with("--threads=") => a["--threads=".len()..].to_owned(),
                a if a.starts_with("--") => return Err(invalid(format!("unknown option {a}"))),
                _ => {
                    parsed.positional.push(arg);
                    continue;
                }
            };
            parsed.threads = match threads.parse() {
                Ok(n) if n > 0 => n,
                _ => return Err(invalid(format!("--threads wants a positive number, not {threads:?}"))),
            };
        }
        Ok(parsed)
    }

    /// Positional argument `i`, or `default`.
    pub fn positional_or<'a>(&'a self, i: usize, default: &'a str) -> &'a str {
        self.positional.get(i).map_or(default, String::as_str)
    }
}
