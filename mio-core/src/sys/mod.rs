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
//!
//! # libc or nix
//!
//! A call goes through nix where nix costs nothing: no allocation, no extra
//! syscall or check worth naming, and off the hot path (the loop's wait,
//! wake-ups, accept, IO, per-message fd passing). There nix hands back an
//! `OwnedFd`, which removes an `unsafe` block. Everywhere else the call is
//! plain libc through [`syscall!`], each with its `// SAFETY:` comment.
//!
//! | call | file | how | why |
//! |---|---|---|---|
//! | `epoll_create1` | `epoll/selector` | nix `Epoll::new` | once per selector |
//! | `epoll_wait` | `epoll/selector` | libc | every turn of the loop; fills our `libc::epoll_event` buffer, no `EpollTimeout` conversion |
//! | `epoll_ctl` | `epoll/selector` | libc | per registration; nix's `Epoll::add` wants `AsFd`, and `EventedFd` hands a `RawFd` (an `unsafe` `borrow_raw` either way) |
//! | `poll` | `poll/selector` | libc | every turn; the snapshot is a `libc::pollfd` array of raw fds, nix's `PollFd` borrows each |
//! | `fstat` | `poll/selector` | nix `fstat` | per registration, one call, the `stat` is returned by value |
//! | `eventfd` | `waker_eventfd` | nix `EventFd` | once per loop |
//! | `write`/`read` of the eventfd, the waker pipe, the poll notify pipe | `waker_*`, `poll/selector` | libc | every wake-up and drain: one plain call |
//! | `pipe2` | `pipe` | nix `pipe2` | once per pipe, waker or `Signals` |
//! | `socket` (TCP, UDP, Unix), `socketpair` | `net`, `unix_socket` | nix | once per socket, returned as `OwnedFd` |
//! | `listen` | `net`, `unix_socket` | nix (`Backlog` of 1024) | once per listener |
//! | `bind`, `connect` | `net`, `unix_socket` | libc | nix converts a std `SocketAddr` into its own `SockaddrIn*` and a path through a C string (heap beyond 1 KiB), and has no leading-NUL abstract names; ours build the `sockaddr` once |
//! | `accept4` | `net`, `unix_socket` | libc | hot for servers; nix's `accept4` drops the peer address, which would cost a `getpeername` |
//! | `sendmsg`/`recvmsg` with `SCM_RIGHTS` | `unix_socket` | libc | nix's `sendmsg` allocates its control buffer whenever fds are passed, `recvmsg` wants a `Vec` and returns each `ScmRights` as a `Vec`; ours use a stack buffer, zero allocations |
//! | `setsockopt`/`getsockopt` | `net` | libc | one generic pair covers every option; nix 0.29 has no `IP_MULTICAST_IF`/`IPV6_MULTICAST_IF` |
//! | `sigaction`, `sigemptyset` | `signal` | libc | nix's `sigaction` is `unsafe` too, so nothing is gained |
//! | `write` in the signal handler | `signal` | libc | the fd is a raw one in an atomic; nix's `write` wants `AsFd` |
//! | errno save/restore in the handler | `signal` | nix `Errno::last_raw`/`set_raw` | a load and a store, async-signal-safe, each OS's errno slot |
//! | `sched_setaffinity`/`sched_getaffinity` | `affinity` | nix with `CpuSet` | once per thread; `CpuSet` is the kernel's `cpu_set_t` on the stack |
//! | `madvise` | `memory` | libc | nix's `madvise` is `unsafe` too, so nothing is gained |

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
