//! One loop's thread: pin, bind, set up, report, run until stopped.

use std::io;
use std::net::SocketAddr;

use super::error::{LoopFailure, Stage};
use super::supervisor::{Notice, Ready, StopSignal};
use crate::channel::Sender;
use crate::machine::{Loop, LoopConfig, Machine};
use crate::sys::affinity;
use crate::tcp::TcpListener;
use crate::NotifyError;

/// What every loop's thread shares: the caller's two closures and the loop
/// configuration.
pub(crate) struct Plan<F, S> {
    pub(crate) context: F,
    pub(crate) setup: S,
    pub(crate) config: LoopConfig,
}

/// Where one loop runs.
#[derive(Debug)]
pub(crate) struct Seat {
    pub(crate) index: usize,
    pub(crate) cpu: Option<usize>,
    pub(crate) addr: SocketAddr,
}

/// Sends `Exited` when dropped: at the end of the thread, after the loop
/// and everything it owns are dropped, and also when it unwinds.
struct ExitNotice<T> {
    notices: Sender<Notice<T>>,
}

impl<T> Drop for ExitNotice<T> {
    fn drop(&mut self) {
        // The channel holds two notices per loop, so it cannot be full; a
        // closed one means the supervisor is gone, and no one is waiting.
        let _ = self.notices.send(Notice::Exited);
    }
}

/// The body of loop `seat.index`'s thread.
pub(crate) fn run<M, T, F, S>(
    seat: Seat,
    plan: &Plan<F, S>,
    notices: Sender<Notice<T>>,
    stop: StopSignal,
) -> Result<(), LoopFailure>
where
    M: Machine,
    F: Fn(usize) -> M::Context,
    S: Fn(&mut Loop<M>, TcpListener, usize) -> io::Result<T>,
{
    let index = seat.index;
    let _exit = ExitNotice { notices: notices.clone() };
    let fail = |stage| move |e| LoopFailure::new(Some(index), stage, e);
    if let Some(cpu) = seat.cpu {
        affinity::pin_current_thread(cpu).map_err(fail(Stage::Pin))?;
    }
    let listener = TcpListener::bind_reuseport(seat.addr).map_err(fail(Stage::Bind))?;
    let addr = listener.local_addr().map_err(fail(Stage::Bind))?;
    let mut lp = Loop::<M>::new(&plan.config).map_err(fail(Stage::Setup))?;
    let handle = (plan.setup)(&mut lp, listener, index).map_err(fail(Stage::Setup))?;
    let mut instance = lp.instantiate((plan.context)(index));
    let waker = instance.wake_sender();
    if let Err(NotifyError::Closed(_)) = notices.send(Notice::Ready(Ready { index, addr, waker, handle })) {
        return Ok(()); // The supervisor is gone: nobody would stop us.
    }
    while !stop.is_set() && !instance.is_shutdown() {
        if let Some(grace) = stop.drain_grace().filter(|_| !instance.is_draining()) {
            let deadline = instance.now() + grace;
            instance.drain(deadline);
            continue; // It may be over already.
        }
        instance.run_once(None).map_err(fail(Stage::Run))?;
    }
    Ok(())
}
