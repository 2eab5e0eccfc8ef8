//! `Spill`: a multibulk request larger than the input buffer, read into
//! memory argument by argument.
//!
//! A request that fits in the buffer is parsed in place ([`frame::parse`]);
//! one that cannot fit is taken in pieces instead: each argument is copied
//! out of the buffer into a `Vec` reserved to its announced length (one
//! allocation per argument, which storing a large value needs anyway), the
//! bytes of a large one as they arrive (`expect_chunk`). Once every argument
//! is in, the command runs on the owned arguments, and a value it stores is
//! moved into the database, not copied again.

use mio::stream::Bytes;

use crate::args::{stored, Args};
use crate::frame::{self, ProtocolError};

/// A request being read into memory, then run.
#[derive(Debug)]
pub struct Spill {
    args: Vec<Vec<u8>>,
    /// How many arguments the request announced.
    count: usize,
    /// Bytes of the last argument still to come, its `\r\n` included; 0
    /// between arguments.
    left: usize,
    /// 0, or where a command whose reply was cut short goes on (as in
    /// `Resp::Serving`).
    pub resume: usize,
}

/// What [`Spill::receive`] needs next.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// Every argument is in: run the command.
    Complete,
    /// Part of an argument: at most this many bytes (`expect_chunk`).
    Chunk(usize),
    /// An incomplete `$len` line: at least this many bytes (`expect_bytes`).
    Bytes(usize),
    /// Malformed: answer `-ERR Protocol error: ...` and close.
    Invalid(ProtocolError),
}

impl Spill {
    /// Starts on the multibulk request at the front of `data`: the spill and
    /// the length of the `*count` line. `None` if `data` does not start with
    /// a complete `*count` line of at least one argument (an inline request,
    /// or a line as long as the buffer: the buffer's limit answers it).
    pub fn start(data: &[u8]) -> Option<(Spill, usize)> {
        if data.first() != Some(&b'*') {
            return None;
        }
        match frame::multibulk_header(data) {
            Ok(Some((count, used))) if count > 0 => {
                Some((Spill { args: Vec::with_capacity(count.min(16)), count, left: 0, resume: 0 }, used))
            }
            _ => None,
        }
    }

    /// Takes what it can of `data` (the unconsumed input): returns how many
    /// bytes it used (consume them) and what it needs next.
    pub fn receive(&mut self, data: &[u8], max_bulk: usize) -> (usize, Received) {
        let mut used = 0;
        loop {
            let rest = &data[used..];
            if self.left > 0 {
                let Some(arg) = self.args.last_mut().filter(|_| !rest.is_empty()) else {
                    return (used, Received::Chunk(self.left));
                };
                let take = rest.len().min(self.left);
                // The last two bytes of an argument are its `\r\n` (not
                // checked, as Redis does not).
                let body = take.min(self.left.saturating_sub(2));
                arg.extend_from_slice(&rest[..body]);
                used += take;
                self.left -= take;
            } else if self.args.len() == self.count {
                return (used, Received::Complete);
            } else {
                match frame::bulk_header(rest, max_bulk) {
                    Ok(Some((len, header))) => {
                        self.args.push(Vec::with_capacity(len));
                        self.left = len + 2;
                        used += header;
                    }
                    Ok(None) => return (used, Received::Bytes(rest.len() + 1)),
                    Err(e) => return (used, Received::Invalid(e)),
                }
            }
        }
    }
}

impl Args for Spill {
    fn len(&self) -> usize {
        self.args.len()
    }

    fn arg(&self, i: usize) -> &[u8] {
        &self.args[i]
    }

    /// Moves the argument out (it reads as empty afterwards).
    fn value(&mut self, i: usize) -> Bytes {
        stored(std::mem::take(&mut self.args[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 512 * 1024 * 1024;

    /// Feeds `request` to a spill in pieces of `piece` bytes, as the stream
    /// would: what is not used stays at the front of the next piece.
    fn receive_in_pieces(request: &[u8], piece: usize) -> Spill {
        let (mut spill, mut pos) = Spill::start(request).expect("a multibulk request");
        let mut buffered = pos;
        loop {
            buffered = (buffered + piece).min(request.len());
            let (used, next) = spill.receive(&request[pos..buffered], MAX);
            pos += used;
            match next {
                Received::Complete => break,
                Received::Chunk(n) => assert!(n > 0 && pos == buffered, "a chunk is asked for once the input is used"),
                Received::Bytes(n) => assert!(n > buffered - pos, "asks for more than is buffered"),
                Received::Invalid(e) => panic!("{e}"),
            }
            assert!(buffered < request.len(), "incomplete at the end of the request");
        }
        assert_eq!(pos, request.len(), "uses the whole request and nothing after it");
        spill
    }

    #[test]
    fn arguments_arrive_in_any_pieces() {
        let value: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut request = b"*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n".to_vec();
        request.extend_from_slice(b"$100000\r\n");
        request.extend_from_slice(&value);
        request.extend_from_slice(b"\r\n$2\r\nEX\r\n$0\r\n\r\n");
        for piece in [1, 2, 7, 4096, 65_536, request.len()] {
            let mut spill = receive_in_pieces(&request, piece);
            assert_eq!(spill.len(), 5, "piece {piece}");
            assert_eq!([spill.arg(0), spill.arg(1), spill.arg(3), spill.arg(4)], [&b"SET"[..], b"key", b"EX", b""]);
            assert!(spill.arg(2) == value, "piece {piece}: the value differs");
            assert_eq!(spill.args[2].capacity(), value.len(), "reserved once, to the announced length");
            let stored = spill.value(2);
            assert!(stored == value && spill.arg(2).is_empty(), "moved out");
        }
    }

    #[test]
    fn input_after_the_request_is_left_alone() {
        let mut request = b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n".to_vec();
        let (mut spill, used) = Spill::start(&request).unwrap();
        request.extend_from_slice(b"PING\r\n");
        assert_eq!(spill.receive(&request[used..], MAX), (request.len() - used - 6, Received::Complete));
        // A finished spill asks for nothing more.
        assert_eq!(spill.receive(b"PING\r\n", MAX), (0, Received::Complete));
    }

    #[test]
    fn malformed_or_too_long_arguments_are_invalid() {
        let (mut spill, used) = Spill::start(b"*2\r\n$3\r\nGET\r\n$11\r\n").unwrap();
        assert_eq!(used, 4);
        assert_eq!(spill.receive(b"$3\r\nGET\r\n$11\r\n", 10), (9, Received::Invalid(ProtocolError::BulkLength)));
        let (mut spill, _) = Spill::start(b"*1\r\n").unwrap();
        assert_eq!(spill.receive(b"+x\r\n", MAX), (0, Received::Invalid(ProtocolError::ExpectedDollar(b'+'))));
        assert_eq!(spill.receive(b"$12", MAX), (0, Received::Bytes(4)));
        assert!(Spill::start(b"SET k v\r\n").is_none(), "inline");
        assert!(Spill::start(b"*0\r\n").is_none(), "no arguments");
        assert!(Spill::start(b"*2").is_none(), "incomplete count");
    }
}
