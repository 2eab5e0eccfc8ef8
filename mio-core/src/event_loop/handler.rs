//! `Handler`: the user's callbacks, called by the loop.

use crate::{EventLoop, EventSet, Token};

/// The callbacks of an [`EventLoop`]. Every method has a no-op default.
///
/// In one turn the loop calls, in this order (as mio 0.5):
/// `interrupted` (if the poll was interrupted by a signal), `ready` for each
/// event, `notify` for each message (at most `messages_per_tick`), `timeout`
/// for each timer due, then `tick` once.
///
/// # Examples
///
/// ```
/// use mio_core::{EventLoop, EventSet, Handler, Token};
///
/// struct Echo;
/// impl Handler for Echo {
///     type Timeout = ();
///     type Message = ();
///     fn ready(&mut self, event_loop: &mut EventLoop<Echo>, token: Token, events: EventSet) {
///         println!("{token:?} is {events:?}");
///     }
/// }
/// ```
pub trait Handler: Sized {
    /// The payload of a timeout set with [`EventLoop::timeout`].
    type Timeout;
    /// The message type of the loop's channel.
    type Message: Send;

    /// A registered source is ready.
    fn ready(&mut self, event_loop: &mut EventLoop<Self>, token: Token, events: EventSet) {
        let _ = (event_loop, token, events);
    }

    /// A message arrived through a [`Sender`](crate::channel::Sender).
    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: Self::Message) {
        let _ = (event_loop, msg);
    }

    /// A timeout is due.
    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, timeout: Self::Timeout) {
        let _ = (event_loop, timeout);
    }

    /// The poll was interrupted by a signal (`EINTR`).
    fn interrupted(&mut self, event_loop: &mut EventLoop<Self>) {
        let _ = event_loop;
    }

    /// End of a turn.
    fn tick(&mut self, event_loop: &mut EventLoop<Self>) {
        let _ = event_loop;
    }

    /// Whether the handler has work of its own waiting for the next turn
    /// (a machine loop: wake-ups queued by its machines), so the next poll
    /// must not block. Asked before each poll; default: `false`.
    fn has_work(&self) -> bool {
        false
    }
}

/// A handler that does nothing, for loops used only as a `Poll` with timers.
impl Handler for () {
    type Timeout = ();
    type Message = ();
}
