//! Everything OS-specific, behind one small contract.
//!
//! The public layer never names an operating system. A backend provides:
//!
//! * `Selector`: `new(capacity)`, `register/reregister/deregister(fd, token,
//!   interest, opts)`, `select(&mut Events, timeout)`, `id()`; all `&self`, so a
//!   selector can be shared with another thread while it blocks.
//! * `Events`: a preallocated event buffer with `with_capacity`, `len`, `get(i)`,
//!   `clear`.
//! * `IoSourceState`: the per-socket registration state, which catches a source
//!   registered with two selectors and wraps every IO call (`do_io`); on
//!   poll(2) it also re-arms an edge registration on `WouldBlock` and removes
//!   the entry when the source is dropped (it holds a `Weak` of the
//!   selector's table, taken at registration).
//! * `Waker`: wakes a blocked `select` from another thread: `new`, `wake`,
//!   `drain`, `as_raw_fd` (an eventfd, or a pipe with `--cfg
//!   mio_force_waker_pipe` and where there is no eventfd).
//! * socket helpers in `net` and `unix_socket`; thread CPU affinity in
//!   `affinity`.
//!
//! The backend is chosen here, once, by `cfg`; no other file names an OS.
//! `--cfg mio_force_poll` forces the portable poll(2) selector and
//! `--cfg mio_force_waker_pipe` the pipe waker, so both paths are tested on Linux.

mod syscall;
pub(crate) use syscall::syscall;

#[cfg(all(any(target_os = "linux", target_os = "android"), not(mio_force_poll)))]
#[path = "epoll/mod.rs"]
mod backend;

#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mio_force_poll))))]
#[path = "poll/mod.rs"]
mod backend;

#[cfg(all(any(target_os = "linux", target_os = "android"), not(mio_force_waker_pipe)))]
#[path = "waker_eventfd.rs"]
mod waker;

#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mio_force_waker_pipe))))]
#[path = "waker_pipe.rs"]
mod waker;

pub(crate) mod affinity;
mod fd_traits;
mod memory;
pub(crate) mod net;
pub(crate) mod pipe;
pub(crate) mod signal;
pub(crate) mod unix_socket;

pub(crate) use fd_traits::impl_fd_traits;
pub(crate) use memory::{advise_huge_pages, prefetch};

/// `POLLRDHUP` (the peer closed its writing half) where poll(2) has it; 0
/// elsewhere, where a half-close shows as readable with a read of 0 bytes.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(dead_code)] // read by the poll(2) backend only
pub(crate) const POLLRDHUP: libc::c_short = libc::POLLRDHUP;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) const POLLRDHUP: libc::c_short = 0;

pub(crate) use backend::{Events, IoSourceState, Selector};
pub(crate) use waker::Waker;

/// The backlog of every listening socket, TCP and Unix (as mio 1.x; the
/// kernel caps it at `somaxconn`).
pub(crate) const LISTEN_BACKLOG: libc::c_int = 1024;

/// Whether an edge registration is re-armed only when the source's IO returns
/// `WouldBlock` (or it is reregistered), as on poll(2), which emulates edge
/// triggering. Then a short read or write does not prove the source drained,
/// and code that stops early on one must read or write on to `WouldBlock`.
pub(crate) const EDGE_NEEDS_WOULD_BLOCK: bool = backend::EDGE_NEEDS_WOULD_BLOCK;

/// The name of the selector backend compiled in ("epoll" or "poll").
pub(crate) const SELECTOR_NAME: &str = backend::NAME;
/// The name of the waker compiled in ("eventfd" or "pipe").
pub(crate) const WAKER_NAME: &str = waker::NAME;
