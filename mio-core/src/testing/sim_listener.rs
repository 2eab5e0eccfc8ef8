//! `SimListener`: a listening socket with no fd, whose connections the
//! test opens.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

use super::registration::Registration;
use super::sim_socket::{Pipe, SimSocket};
use crate::machine::Listener;
use crate::{EventSet, Evented, Poll, PollOpt, Token};

/// A simulated listener for [`Accept`](crate::machine::Accept): it accepts
/// the connections the test opens with
/// [`Harness::connect_to`](super::Harness::connect_to), as [`SimSocket`]s,
/// and `WouldBlock` when none waits. Made by
/// [`Harness::listener`](super::Harness::listener); registering it records
/// the interest in the harness. Dropping it (an `Accept` that closes on a
/// drain) refuses the connections still waiting.
#[derive(Debug)]
pub struct SimListener {
    backlog: Rc<RefCell<Backlog>>,
}

/// What a listener and the harness share.
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    /// Connections opened by the test, not yet accepted.
    pub(crate) waiting: VecDeque<Rc<RefCell<Pipe>>>,
    pub(crate) registration: Registration,
    /// The listener was dropped.
    pub(crate) closed: bool,
}

impl SimListener {
    pub(crate) fn new(backlog: Rc<RefCell<Backlog>>) -> SimListener {
        SimListener { backlog }
    }
}

impl Listener for SimListener {
    type Stream = SimSocket;

    fn accept_stream(&self) -> io::Result<SimSocket> {
        let pipe = self.backlog.borrow_mut().waiting.pop_front();
        pipe.map(SimSocket::new).ok_or_else(|| io::ErrorKind::WouldBlock.into())
    }
}

impl Evented for SimListener {
    fn register(&self, _: &Poll, token: Token, interest: EventSet, _: PollOpt) -> io::Result<()> {
        let mut backlog = self.backlog.borrow_mut();
        let level = if backlog.waiting.is_empty() { EventSet::none() } else { EventSet::readable() };
        backlog.registration.set(true, token, interest, level)
    }

    fn reregister(&self, _: &Poll, token: Token, interest: EventSet, _: PollOpt) -> io::Result<()> {
        let mut backlog = self.backlog.borrow_mut();
        let level = if backlog.waiting.is_empty() { EventSet::none() } else { EventSet::readable() };
        backlog.registration.set(false, token, interest, level)
    }

    fn deregister(&self, _: &Poll) -> io::Result<()> {
        self.backlog.borrow_mut().registration.remove()
    }
}

impl Drop for SimListener {
    fn drop(&mut self) {
        let mut backlog = self.backlog.borrow_mut();
        backlog.closed = true;
        backlog.registration.close();
        for pipe in backlog.waiting.drain(..) {
            let mut pipe = pipe.borrow_mut();
            pipe.dropped = true;
            pipe.last_error = Some(io::ErrorKind::ConnectionRefused);
        }
    }
}
