//! MULTI, EXEC and DISCARD: a connection's transaction.
//!
//! After MULTI, each command is checked (known, with a valid number of
//! arguments) and queued instead of run, answered `+QUEUED`; EXEC runs the
//! queue in order and answers with the array of the replies; DISCARD drops
//! it. As in Redis, a command refused while queueing (unknown, a wrong
//! number of arguments, or past the bounds below) is answered with its
//! error and makes EXEC answer `-EXECABORT` and run nothing; an error met
//! while running (a syntax error, a value that is not an integer) is that
//! command's reply in EXEC's array, and the others still run. EXEC,
//! DISCARD, MULTI (an error: MULTI calls can not be nested) and QUIT run at
//! once. WATCH is not supported.
//!
//! Atomic: the loop runs one request at a time, so no other client's
//! command runs between the queued ones as long as their replies fit in
//! the output. EXEC starts only with [`EXEC_ROOM`] bytes free (or an empty
//! output); replies beyond the output's room (many large values) go on
//! after a flush, and other clients may run in between, as during a large
//! MGET.
//!
//! Bounded: at most [`MAX_QUEUED`] commands, and at most
//! `proto-max-bulk-len` bytes of arguments in all (the most one argument
//! may have); the command that would pass either bound is refused with an
//! error (`-ERR Transaction too large: ...`) and the transaction aborted.
//! The queue's memory is kept for the connection's next transaction, up to
//! [`KEEP`] bytes, and freed with the connection.

use mio::stream::Output;

use crate::args::{Args, InBuffer};
use crate::client::Client;
use crate::commands::{execute, Exec};
use crate::db::Db;
use crate::frame::{error, number, Arg};

/// The most commands a transaction may queue.
pub const MAX_QUEUED: usize = 1024;

/// The queue memory kept after a transaction for the next one; a larger
/// queue is freed.
const KEEP: usize = 64 * 1024;

/// The output room EXEC waits for before it starts, unless the output is
/// empty: the replies it can write without a flush, that is atomically.
const EXEC_ROOM: usize = 16 * 1024;

const EXECABORT: &[u8] = b"-EXECABORT Transaction discarded because of previous errors.\r\n";

/// A transaction: the state, and the queued commands' arguments copied
/// into one buffer.
#[derive(Debug, Default)]
pub struct Multi {
    state: State,
    /// The arguments' bytes, one after the other.
    bytes: Vec<u8>,
    /// Each argument's range in `bytes`.
    args: Vec<Arg>,
    /// Each command's range in `args`.
    commands: Vec<(usize, usize)>,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum State {
    /// No MULTI.
    #[default]
    Idle,
    /// Queueing since MULTI; `aborted` once a command was refused.
    Queueing { aborted: bool },
    /// EXEC is running the queue: `next` is the command to run, `resume`
    /// where it goes on (see [`Exec::Partial`]).
    Running { next: usize, resume: usize },
}

/// Queueing a command would pass a bound.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge;

impl Multi {
    /// Whether a MULTI is on (queueing, or EXEC running).
    pub fn is_active(&self) -> bool {
        self.state != State::Idle
    }

    /// How many commands are queued.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Starts queueing.
    fn begin(&mut self) {
        self.state = State::Queueing { aborted: false };
    }

    /// Copies `req` to the end of the queue, unless that passes a bound:
    /// [`MAX_QUEUED`] commands, `max_bytes` bytes of arguments.
    pub fn push<R: Args + ?Sized>(&mut self, req: &R, max_bytes: usize) -> Result<(), TooLarge> {
        let size: usize = (0..req.len()).map(|i| req.arg(i).len()).sum();
        if self.commands.len() >= MAX_QUEUED || size > max_bytes.saturating_sub(self.bytes.len()) {
            return Err(TooLarge);
        }
        let first = self.args.len();
        for i in 0..req.len() {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(req.arg(i));
            self.args.push((start, self.bytes.len()));
        }
        self.commands.push((first, self.args.len()));
        Ok(())
    }

    /// Queued command `i`.
    pub fn command(&self, i: usize) -> InBuffer<'_> {
        let (first, end) = self.commands[i];
        InBuffer { data: &self.bytes, args: &self.args[first..end] }
    }

    /// Marks the transaction aborted (EXEC will answer EXECABORT) and drops
    /// what it queued: nothing more is kept until it ends.
    fn abort(&mut self) {
        self.state = State::Queueing { aborted: true };
        self.clear();
    }

    /// Ends the transaction: empty, its memory kept up to [`KEEP`] bytes.
    fn end(&mut self) {
        self.state = State::Idle;
        self.clear();
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.args.clear();
        self.commands.clear();
        let size = self.bytes.capacity()
            + self.args.capacity() * std::mem::size_of::<Arg>()
            + self.commands.capacity() * std::mem::size_of::<(usize, usize)>();
        if size > KEEP {
            *self = Multi { state: self.state, ..Multi::default() };
        }
    }
}

/// `MULTI`.
pub fn multi(client: &mut Client, out: &mut Output<'_>) {
    if client.in_multi() {
        return error(out, format_args!("MULTI calls can not be nested"));
    }
    client.session().multi.begin();
    out.push(b"+OK\r\n");
}

/// Queues `req` in the client's transaction (a MULTI is on) and answers
/// `+QUEUED`; or refuses it past the bounds, aborting the transaction. In
/// an aborted transaction nothing more is kept, but commands are still
/// answered `+QUEUED`, as Redis does.
pub fn queue<R: Args + ?Sized>(client: &mut Client, req: &R, max_bytes: usize, out: &mut Output<'_>) {
    let Some(multi) = client.multi() else { return };
    if multi.state == (State::Queueing { aborted: false }) && multi.push(req, max_bytes).is_err() {
        multi.abort();
        return error(
            out,
            format_args!("Transaction too large: at most {MAX_QUEUED} commands and {max_bytes} bytes of arguments"),
        );
    }
    out.push(b"+QUEUED\r\n");
}

/// A command was refused while a MULTI is on (its error is written):
/// EXEC will answer EXECABORT.
pub fn refused(client: &mut Client) {
    if let Some(multi) = client.multi() {
        multi.abort();
    }
}

/// `DISCARD`.
pub fn discard(client: &mut Client, out: &mut Output<'_>) {
    match client.multi() {
        Some(multi) => {
            multi.end();
            out.push(b"+OK\r\n");
        }
        None => error(out, format_args!("DISCARD without MULTI")),
    }
}

/// EXEC with arguments: Redis discards the transaction and says why.
pub fn exec_refused(client: &mut Client, out: &mut Output<'_>) {
    if let Some(multi) = client.multi() {
        multi.end();
    }
    out.push(b"-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
}

/// `EXEC`: runs the queue, answering `*N` and each command's reply. With
/// `resume` 0 it starts; otherwise it goes on where it stopped for a flush.
pub fn exec(db: &mut Db, client: &mut Client, out: &mut Output<'_>, now: u64, resume: usize) -> Exec {
    let Some(queued) = client.multi() else {
        error(out, format_args!("EXEC without MULTI"));
        return Exec::Done;
    };
    if queued.state == (State::Queueing { aborted: true }) {
        queued.end();
        out.push(EXECABORT);
        return Exec::Done;
    }
    if resume == 0 {
        if !out.is_empty() && out.remaining() < EXEC_ROOM {
            return Exec::Blocked;
        }
        number(out, b'*', queued.len() as i64);
        queued.state = State::Running { next: 0, resume: 0 };
    }
    // Out of the session while it runs, so the commands can use the client.
    let mut multi = std::mem::take(queued);
    let exec = run(db, client, &mut multi, out, now);
    if exec == Exec::Done || matches!(exec, Exec::QueueFull(_, None)) {
        multi.end();
    }
    client.session().multi = multi;
    exec
}

/// Runs the queued commands from where EXEC stopped: `Done` when all have
/// replied; else what the protocol should wait for, with `resume` 1 (EXEC's
/// own progress is in `multi`).
fn run(db: &mut Db, client: &mut Client, multi: &mut Multi, out: &mut Output<'_>, now: u64) -> Exec {
    let State::Running { mut next, mut resume } = multi.state else { return Exec::Done };
    let exec = loop {
        if next == multi.len() {
            break Exec::Done;
        }
        let mut req = multi.command(next);
        match execute(db, client, &mut req, out, now, resume) {
            Exec::Done | Exec::Quit => (next, resume) = (next + 1, 0),
            Exec::Blocked => break Exec::Partial(1),
            Exec::Partial(at) => {
                resume = at;
                break Exec::Partial(1);
            }
            Exec::QueueFull(value, at) => {
                (next, resume) = match at {
                    Some(at) => (next, at),
                    None => (next + 1, 0),
                };
                break Exec::QueueFull(value, (next < multi.len()).then_some(1));
            }
        }
    };
    multi.state = State::Running { next, resume };
    exec
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as its arguments.
    struct Words<'a>(&'a [&'a [u8]]);

    impl Args for Words<'_> {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn arg(&self, i: usize) -> &[u8] {
            self.0[i]
        }
        fn value(&mut self, i: usize) -> mio::stream::Bytes {
            mio::stream::Bytes::copy_from_slice(self.0[i])
        }
    }

    fn args(req: &InBuffer<'_>) -> Vec<Vec<u8>> {
        (0..req.len()).map(|i| req.arg(i).to_vec()).collect()
    }

    #[test]
    fn queued_commands_come_back_in_order() {
        let mut multi = Multi::default();
        multi.begin();
        multi.push(&Words(&[b"SET", b"k", b"v"]), 1 << 20).unwrap();
        multi.push(&Words(&[b"INCR", b""]), 1 << 20).unwrap();
        multi.push(&Words(&[b"PING"]), 1 << 20).unwrap();
        assert_eq!(multi.len(), 3);
        assert_eq!(args(&multi.command(0)), [&b"SET"[..], b"k", b"v"]);
        assert_eq!(args(&multi.command(1)), [&b"INCR"[..], b""]);
        assert_eq!(args(&multi.command(2)), [b"PING"]);
    }

    #[test]
    fn at_most_max_queued_commands() {
        let mut multi = Multi::default();
        multi.begin();
        for i in 0..MAX_QUEUED {
            assert_eq!(multi.push(&Words(&[b"PING"]), usize::MAX), Ok(()), "command {i}");
        }
        assert_eq!(multi.push(&Words(&[b"PING"]), usize::MAX), Err(TooLarge));
        assert_eq!(multi.len(), MAX_QUEUED, "a refused command is not queued");
    }

    #[test]
    fn at_most_max_bytes_of_arguments() {
        let mut multi = Multi::default();
        multi.begin();
        // 3 + 1 + 6 = 10 bytes: exactly the budget.
        assert_eq!(multi.push(&Words(&[b"SET", b"k", b"123456"]), 10), Ok(()));
        assert_eq!(multi.push(&Words(&[b""]), 10), Ok(()), "an empty argument takes no budget");
        assert_eq!(multi.push(&Words(&[b"X"]), 10), Err(TooLarge));
        assert_eq!(multi.push(&Words(&[b"SET", b"k", b"v"]), 100), Ok(()), "within a larger budget");
    }

    #[test]
    fn an_aborted_transaction_keeps_nothing() {
        let mut multi = Multi::default();
        multi.begin();
        multi.push(&Words(&[b"SET", b"k", b"v"]), 100).unwrap();
        multi.abort();
        assert!(multi.is_active() && multi.len() == 0 && multi.bytes.is_empty());
        assert_eq!(multi.state, State::Queueing { aborted: true });
        multi.end();
        assert!(!multi.is_active());
    }

    #[test]
    fn memory_is_kept_for_the_next_transaction_up_to_a_bound() {
        let mut multi = Multi::default();
        multi.begin();
        multi.push(&Words(&[b"SET", b"k", &[7; 1000]]), usize::MAX).unwrap();
        multi.end();
        assert!(multi.bytes.capacity() >= 1004, "a small queue's memory is reused");
        multi.begin();
        multi.push(&Words(&[b"SET", b"k", &vec![7; KEEP + 1]]), usize::MAX).unwrap();
        multi.end();
        assert_eq!(multi.bytes.capacity(), 0, "a large queue's memory is freed");
        assert!(!multi.is_active());
    }
}
