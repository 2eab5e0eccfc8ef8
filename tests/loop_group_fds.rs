//! A loop group closes every fd it opened: listeners, connections, each
//! loop's epoll and waker, the supervisor's, also when it fails to start.
//!
//! One test in its own binary, so no other test opens fds meanwhile.

mod util;

use std::io::{self, Read};
use std::sync::mpsc;

use mio::machine::{Accept, Created, Loop, Machine, Response, Scope};
use mio::serve::{LoopGroup, Stage};
use mio::tcp::{TcpListener, TcpStream};
use mio::{EventSet, PollOpt};
use util::{localhost, open_fds, Watchdog, DEADLINE};

/// Tells the test it was accepted, then holds the connection until the
/// peer closes it.
struct Conn(TcpStream);

impl Machine for Conn {
    type Context = mpsc::Sender<()>;
    type Seed = TcpStream;

    fn create(stream: TcpStream, scope: &mut Scope<'_, mpsc::Sender<()>>) -> Created<Self> {
        let _ = scope.send(());
        match scope.register(&stream, EventSet::readable(), PollOpt::edge()) {
            Ok(()) => Created::ok(Conn(stream)),
            Err(e) => Created::error(e.into()),
        }
    }

    fn ready(mut self, _: EventSet, _: &mut Scope<'_, mpsc::Sender<()>>) -> Response<Self, TcpStream> {
        match self.0.read(&mut [0; 16]) {
            Ok(0) => Response::done(),
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Response::done(),
            _ => Response::ok(self),
        }
    }

    fn timeout(self, _: &mut Scope<'_, mpsc::Sender<()>>) -> Response<Self, TcpStream> {
        Response::ok(self)
    }
}

/// Runs two loops, opens 100 connections and keeps them open while the
/// group stops, so the loops close the accepted ones.
fn one_group() {
    let (tx, accepted) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let loops = LoopGroup::new(localhost())
        .threads(2)
        .spawn(
            move |_| tx.lock().unwrap().clone(),
            |lp: &mut Loop<Accept<TcpListener, Conn>>, listener, _| {
                lp.add_machine_with(|scope| Accept::new(listener, scope))?;
                Ok(())
            },
        )
        .unwrap();
    let clients: Vec<_> = (0..100).map(|_| std::net::TcpStream::connect(loops.local_addr()).unwrap()).collect();
    for _ in 0..clients.len() {
        accepted.recv_timeout(DEADLINE).expect("connection not accepted");
    }
    loops.stop();
    loops.wait().unwrap();
    drop(clients);
}

/// A group whose first loop cannot bind.
fn one_failed_group() {
    let taken = std::net::TcpListener::bind(localhost()).unwrap();
    let err = LoopGroup::new(taken.local_addr().unwrap())
        .threads(2)
        .spawn(|_| mpsc::channel().0, |_: &mut Loop<Accept<TcpListener, Conn>>, _, _| Ok(()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.failures()[0].stage(), Stage::Bind);
}

#[test]
fn loop_groups_leak_no_fds() {
    let _watchdog = Watchdog::new("loop_groups_leak_no_fds", DEADLINE * 3);
    one_group(); // warm up: whatever std opens once (none expected) is opened
    let before = open_fds();
    one_group();
    one_failed_group();
    one_group();
    assert_eq!(open_fds(), before);
}
