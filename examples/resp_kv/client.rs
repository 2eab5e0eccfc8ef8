//! `Client`: what the server keeps of one connection beyond its buffers
//! (its id, the name it set, its transaction), and the commands about the
//! connection itself: CLIENT, HELLO and SELECT.
//!
//! Most connections never use any of it, so a `Client` is one empty
//! pointer until a command needs its [`Session`]; the session is then
//! allocated once, lives as long as the connection, and is freed with it.
//! What it holds is bounded: a name of at most [`MAX_NAME`] bytes, and a
//! transaction within [`transaction`](crate::transaction)'s bounds.

use std::sync::atomic::{AtomicU64, Ordering};

use mio::stream::Output;

use crate::args::Args;
use crate::frame::{bulk, error, integer, number};
use crate::info_sections::REDIS_VERSION;
use crate::transaction::Multi;

/// The longest client name (Redis has no bound; here it keeps CLIENT
/// GETNAME's reply within the room every reply but a value gets).
pub const MAX_NAME: usize = 512;

/// The next client id. Ids are given when first asked for (CLIENT ID,
/// HELLO): unique and increasing, as Redis', but only clients that asked
/// use one up.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One connection's state beyond its buffers.
#[derive(Debug, Default)]
pub struct Client(Option<Box<Session>>);

/// What a client has set up.
#[derive(Debug, Default)]
pub struct Session {
    /// 0 until asked for.
    id: u64,
    name: Option<Box<[u8]>>,
    /// The transaction: commands queued since MULTI, kept (emptied) after
    /// EXEC or DISCARD so the next one reuses its memory.
    pub multi: Multi,
}

impl Client {
    /// A connection that has set nothing up (allocates nothing).
    pub const NEW: Client = Client(None);

    /// The session, made on first use.
    pub fn session(&mut self) -> &mut Session {
        self.0.get_or_insert_with(Box::default)
    }

    /// Whether a MULTI is queueing commands.
    pub fn in_multi(&self) -> bool {
        self.0.as_ref().is_some_and(|s| s.multi.is_active())
    }

    /// The transaction being queued, if any.
    pub fn multi(&mut self) -> Option<&mut Multi> {
        self.0.as_mut().map(|s| &mut s.multi).filter(|m| m.is_active())
    }

    /// This connection's id, given now if it has none yet.
    pub fn id(&mut self) -> u64 {
        let session = self.session();
        if session.id == 0 {
            session.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        }
        session.id
    }
}

/// Why a name or a library attribute was refused.
#[derive(Debug, PartialEq, Eq)]
enum BadName {
    /// A byte outside `!`..=`~` (Redis' rule).
    Character,
    /// Longer than [`MAX_NAME`].
    Length,
}

/// Checks a client name or library attribute as Redis does: printable
/// ASCII without spaces. Empty is allowed (it clears a name).
fn check_name(name: &[u8]) -> Result<(), BadName> {
    if name.len() > MAX_NAME {
        Err(BadName::Length)
    } else if name.iter().all(|b| (b'!'..=b'~').contains(b)) {
        Ok(())
    } else {
        Err(BadName::Character)
    }
}

/// Sets the client's name (empty: none), or answers why not: `Err(())`
/// once the error reply is written.
fn set_name(client: &mut Client, name: &[u8], out: &mut Output<'_>) -> Result<(), ()> {
    match check_name(name) {
        Ok(()) => {
            client.session().name = (!name.is_empty()).then(|| name.into());
            Ok(())
        }
        Err(BadName::Character) => {
            error(out, format_args!("Client names cannot contain spaces, newlines or special characters."));
            Err(())
        }
        Err(BadName::Length) => {
            error(out, format_args!("Client names are limited to {MAX_NAME} bytes"));
            Err(())
        }
    }
}

/// `CLIENT ID | GETNAME | SETNAME name | SETINFO LIB-NAME|LIB-VER value`.
pub fn client<R: Args + ?Sized>(client: &mut Client, req: &R, out: &mut Output<'_>) {
    let subcommands: [(&str, usize); 4] = [("id", 2), ("getname", 2), ("setname", 3), ("setinfo", 4)];
    let Some(&(sub, argc)) = subcommands.iter().find(|(name, _)| req.is(1, name)) else {
        let sub = String::from_utf8_lossy(&req.arg(1)[..req.arg(1).len().min(128)]);
        return error(out, format_args!("unknown subcommand '{sub}'. Try CLIENT HELP."));
    };
    if req.len() != argc {
        return error(out, format_args!("wrong number of arguments for 'client|{sub}' command"));
    }
    match sub {
        "id" => number(out, b':', client.id() as i64),
        "getname" => match client.0.as_ref().and_then(|s| s.name.as_deref()) {
            Some(name) => bulk(out, name),
            None => reply(out, b"$-1\r\n"),
        },
        "setname" => {
            if set_name(client, req.arg(2), out).is_ok() {
                reply(out, b"+OK\r\n");
            }
        }
        // Checked as Redis checks them, not kept: nothing here shows them.
        _ => {
            let attr = if req.is(2, "lib-name") {
                "lib-name"
            } else if req.is(2, "lib-ver") {
                "lib-ver"
            } else {
                let attr = String::from_utf8_lossy(&req.arg(2)[..req.arg(2).len().min(128)]);
                return error(out, format_args!("Unrecognized option '{attr}'"));
            };
            match check_name(req.arg(3)) {
                Ok(()) => reply(out, b"+OK\r\n"),
                Err(BadName::Character) => {
                    error(out, format_args!("{attr} cannot contain spaces, newlines or special characters."))
                }
                Err(BadName::Length) => error(out, format_args!("{attr} is limited to {MAX_NAME} bytes")),
            }
        }
    }
}

/// `HELLO [protover [AUTH username password] [SETNAME name]]`: only RESP2
/// is spoken, so `protover` must be 2. There are no users or passwords:
/// AUTH is accepted for the `default` user, as by a Redis without
/// `requirepass`.
pub fn hello<R: Args + ?Sized>(client: &mut Client, req: &R, out: &mut Output<'_>) {
    if req.len() >= 2 {
        match integer(req.arg(1)) {
            None => return error(out, format_args!("Protocol version is not an integer or out of range")),
            Some(2) => {}
            Some(_) => return reply(out, b"-NOPROTO sorry, this protocol version is not supported\r\n"),
        }
    }
    let (mut name, mut i) = (None, 2);
    while i < req.len() {
        let more = req.len() - 1 - i;
        if req.is(i, "auth") && more >= 2 {
            if !req.is(i + 1, "default") {
                return reply(out, b"-WRONGPASS invalid username-password pair or user is disabled.\r\n");
            }
            i += 3;
        } else if req.is(i, "setname") && more >= 1 {
            name = Some(i + 1);
            i += 2;
        } else {
            let option = String::from_utf8_lossy(&req.arg(i)[..req.arg(i).len().min(128)]);
            return error(out, format_args!("Syntax error in HELLO option '{option}'"));
        }
    }
    if let Some(name) = name {
        if set_name(client, req.arg(name), out).is_err() {
            return;
        }
    }
    reply(out, b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n");
    bulk(out, REDIS_VERSION.as_bytes());
    reply(out, b"$5\r\nproto\r\n:2\r\n$2\r\nid\r\n");
    number(out, b':', client.id() as i64);
    reply(out, b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
}

/// `SELECT index`: there is one database, 0.
pub fn select<R: Args + ?Sized>(req: &R, out: &mut Output<'_>) {
    match integer(req.arg(1)) {
        Some(0) => reply(out, b"+OK\r\n"),
        Some(_) => error(out, format_args!("DB index is out of range")),
        None => error(out, format_args!("value is not an integer or out of range")),
    }
}

/// Appends a fixed reply (room for it was checked).
fn reply(out: &mut Output<'_>, bytes: &'static [u8]) {
    out.push(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_printable_ascii_and_bounded() {
        assert_eq!(check_name(b"worker-1"), Ok(()));
        assert_eq!(check_name(b""), Ok(()));
        assert_eq!(check_name(b"redis-py(7.4.0)"), Ok(()));
        assert_eq!(check_name(b"two words"), Err(BadName::Character));
        assert_eq!(check_name(b"line\n"), Err(BadName::Character));
        assert_eq!(check_name("caf\u{e9}".as_bytes()), Err(BadName::Character));
        assert_eq!(check_name(&[b'a'; MAX_NAME]), Ok(()));
        assert_eq!(check_name(&[b'a'; MAX_NAME + 1]), Err(BadName::Length));
    }

    #[test]
    fn a_client_allocates_only_when_it_sets_something_up() {
        let mut client = Client::NEW;
        assert!(client.0.is_none() && !client.in_multi() && client.multi().is_none());
        let id = client.id();
        assert!(id > 0 && client.0.is_some());
        assert_eq!(client.id(), id, "an id is given once");
        assert!(Client::default().id() > id, "ids increase");
    }
}
