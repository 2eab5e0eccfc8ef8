//! Socket helpers for TCP and UDP over IPv4 and IPv6.
//!
//! Every socket is created `SOCK_NONBLOCK | SOCK_CLOEXEC` in one call, so there
//! is no window in which it blocks or leaks into a child process. Helpers hand
//! back `OwnedFd`s; the public layer turns them into `std::net` types with
//! `From<OwnedFd>`. Options that `std::net` already offers are used from there;
//! the ones it lacks (keepalive idle time, linger, multicast interface) are here.

use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use nix::sys::socket::{AddressFamily, Backlog, SockFlag, SockType};

use crate::sys::{syscall, LISTEN_BACKLOG};

/// A `sockaddr_in` or `sockaddr_in6`, with room for either, as the kernel
/// wants it: a pointer and a length.
#[repr(C)]
pub(crate) union SockAddr {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
}

impl SockAddr {
    /// Converts a Rust address to its C form (ports and addresses in network
    /// byte order) and the length to pass with it.
    pub(crate) fn from_std(addr: &SocketAddr) -> (SockAddr, libc::socklen_t) {
        match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: in_addr(a.ip()),
                    sin_zero: [0; 8],
                };
                (SockAddr { v4: sin }, mem::size_of::<libc::sockaddr_in>() as libc::socklen_t)
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                    sin6_scope_id: a.scope_id(),
                };
                (SockAddr { v6: sin6 }, mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t)
            }
        }
    }

    fn as_ptr(&self) -> *const libc::sockaddr {
        (self as *const SockAddr).cast()
    }
}

fn in_addr(ip: &Ipv4Addr) -> libc::in_addr {
    // `s_addr` is in network byte order: the octets as they are, in memory.
    libc::in_addr { s_addr: u32::from_ne_bytes(ip.octets()) }
}

/// Converts an address the kernel filled in back to a Rust address.
///
/// # Errors
///
/// `InvalidInput` if the family is neither `AF_INET` nor `AF_INET6`, or `len`
/// is too short for it.
fn to_std(storage: &libc::sockaddr_storage, len: libc::socklen_t) -> io::Result<SocketAddr> {
    let len = len as usize;
    match storage.ss_family as libc::c_int {
        libc::AF_INET if len >= mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says the storage holds a `sockaddr_in`, which
            // is smaller than `sockaddr_storage` and less strictly aligned.
            let sin = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 if len >= mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for `sockaddr_in6`.
            let sin6 = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            let port = u16::from_be(sin6.sin6_port);
            Ok(SocketAddr::V6(SocketAddrV6::new(ip, port, sin6.sin6_flowinfo, sin6.sin6_scope_id)))
        }
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "not an IPv4 or IPv6 socket address")),
    }
}

/// Creates a non-blocking, close-on-exec socket of the family of `addr`.
///
/// # Errors
///
/// The OS error of `socket` (e.g. `EMFILE`, `EAFNOSUPPORT`).
fn new_socket(addr: &SocketAddr, ty: SockType) -> io::Result<OwnedFd> {
    let domain = match addr {
        SocketAddr::V4(_) => AddressFamily::Inet,
        SocketAddr::V6(_) => AddressFamily::Inet6,
    };
    Ok(nix::sys::socket::socket(domain, ty, SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC, None)?)
}

fn bind(fd: &OwnedFd, addr: &SocketAddr) -> io::Result<()> {
    let (raw, len) = SockAddr::from_std(addr);
    // SAFETY: `raw` is a valid sockaddr of `len` bytes that outlives the call.
    syscall!(unsafe { libc::bind(fd.as_raw_fd(), raw.as_ptr(), len) }).map(drop)
}

/// A TCP listener bound to `addr` (with `SO_REUSEADDR`, and `SO_REUSEPORT`
/// if `reuse_port`), listening with a backlog of 1024.
///
/// # Errors
///
/// The OS error of `socket`, `setsockopt`, `bind` (e.g. `AddrInUse`,
/// `AddrNotAvailable`) or `listen`.
pub(crate) fn tcp_listen(addr: &SocketAddr, reuse_port: bool) -> io::Result<OwnedFd> {
    let fd = new_socket(addr, SockType::Stream)?;
    set_int_opt(fd_of(&fd), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    if reuse_port {
        set_int_opt(fd_of(&fd), libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
    }
    bind(&fd, addr)?;
    nix::sys::socket::listen(&fd, Backlog::new(LISTEN_BACKLOG)?)?;
    Ok(fd)
}

/// A TCP socket connecting to `addr`. The connection completes in the
/// background; `EINPROGRESS` is success.
///
/// # Errors
///
/// The OS error of `socket` or `connect` when it fails at once (e.g.
/// `ENETUNREACH`); a refused connection is usually reported later, through
/// `SO_ERROR`.
pub(crate) fn tcp_connect(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let fd = new_socket(addr, SockType::Stream)?;
    let (raw, len) = SockAddr::from_std(addr);
    // SAFETY: `raw` is a valid sockaddr of `len` bytes that outlives the call.
    match syscall!(unsafe { libc::connect(fd.as_raw_fd(), raw.as_ptr(), len) }) {
        Ok(_) => Ok(fd),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(fd),
        Err(e) => Err(e),
    }
}

/// Takes the socket's pending error (`SO_ERROR`, which reading clears):
/// `None` once a non-blocking `connect` succeeded, the connect's error
/// (`ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`, ...) once it failed.
///
/// # Errors
///
/// The OS error of `getsockopt` (`ENOTSOCK` for an fd that is no socket).
pub(crate) fn take_socket_error(fd: BorrowedFd<'_>) -> io::Result<Option<io::Error>> {
    match get_int_opt(fd, libc::SOL_SOCKET, libc::SO_ERROR)? {
        0 => Ok(None),
        code => Ok(Some(io::Error::from_raw_os_error(code))),
    }
}

/// A UDP socket bound to `addr`.
///
/// # Errors
///
/// The OS error of `socket` or `bind`.
pub(crate) fn udp_bind(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let fd = new_socket(addr, SockType::Datagram)?;
    bind(&fd, addr)?;
    Ok(fd)
}

/// Accepts one connection: the new socket is non-blocking and close-on-exec.
///
/// # Errors
///
/// `WouldBlock` when no connection is pending; otherwise the OS error of
/// `accept4` (`EMFILE`/`ENFILE` when out of descriptors, the connection then
/// stays queued).
pub(crate) fn accept(listener: BorrowedFd<'_>) -> io::Result<(OwnedFd, SocketAddr)> {
    let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage` has room for `len` bytes of any address and `len`
    // is a valid in/out pointer; the kernel writes at most `len` bytes.
    let fd = syscall!(unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            storage.as_mut_ptr().cast(),
            &mut len,
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: accept4 just returned this fd and nothing else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: zero bytes are a valid `sockaddr_storage`, and accept4 wrote the
    // peer's address over them.
    let storage = unsafe { storage.assume_init() };
    Ok((fd, to_std(&storage, len)?))
}

/// Turns keepalive probes on after `idle` without traffic (`SO_KEEPALIVE` and
/// `TCP_KEEPIDLE`, whole seconds rounded up, at least one), or off with `None`.
///
/// # Errors
///
/// The OS error of `setsockopt` (`InvalidInput` for an idle time the kernel
/// rejects, over 32,767 s on Linux).
pub(crate) fn set_keepalive(fd: BorrowedFd<'_>, idle: Option<Duration>) -> io::Result<()> {
    match idle {
        None => set_int_opt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 0),
        Some(idle) => {
            let secs = idle.as_secs() + u64::from(idle.subsec_nanos() > 0);
            let secs = secs.clamp(1, libc::c_int::MAX as u64) as libc::c_int;
            set_int_opt(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs)?;
            set_int_opt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)
        }
    }
}

/// Whether `SO_REUSEPORT` is set.
pub(crate) fn reuse_port(fd: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(get_int_opt(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT)? != 0)
}

/// The keepalive idle time, or `None` when keepalive is off.
pub(crate) fn keepalive(fd: BorrowedFd<'_>) -> io::Result<Option<Duration>> {
    if get_int_opt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE)? == 0 {
        return Ok(None);
    }
    let secs = get_int_opt(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE)?;
    Ok(Some(Duration::from_secs(secs.max(0) as u64)))
}

/// Sets `SO_LINGER`: `Some(d)` makes `close` wait up to `d` (whole seconds)
/// for unsent data; `Some(ZERO)` makes `close` reset the connection.
pub(crate) fn set_linger(fd: BorrowedFd<'_>, linger: Option<Duration>) -> io::Result<()> {
    let value = libc::linger {
        l_onoff: linger.is_some() as libc::c_int,
        l_linger: linger.map_or(0, |d| d.as_secs().min(libc::c_int::MAX as u64) as libc::c_int),
    };
    set_opt(fd, libc::SOL_SOCKET, libc::SO_LINGER, &value)
}

/// The `SO_LINGER` setting.
pub(crate) fn linger(fd: BorrowedFd<'_>) -> io::Result<Option<Duration>> {
    let value: libc::linger = get_opt(fd, libc::SOL_SOCKET, libc::SO_LINGER)?;
    Ok((value.l_onoff != 0).then(|| Duration::from_secs(value.l_linger.max(0) as u64)))
}

/// Sets the interface outgoing IPv4 multicast leaves from (`IP_MULTICAST_IF`).
pub(crate) fn set_multicast_if_v4(fd: BorrowedFd<'_>, interface: &Ipv4Addr) -> io::Result<()> {
    set_opt(fd, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &in_addr(interface))
}

/// Sets the interface index outgoing IPv6 multicast leaves from (`IPV6_MULTICAST_IF`).
pub(crate) fn set_multicast_if_v6(fd: BorrowedFd<'_>, interface: u32) -> io::Result<()> {
    set_opt(fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF, &(interface as libc::c_int))
}

fn fd_of(fd: &OwnedFd) -> BorrowedFd<'_> {
    use std::os::fd::AsFd;
    fd.as_fd()
}

fn set_int_opt(fd: BorrowedFd<'_>, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
    set_opt(fd, level, name, &value)
}

fn get_int_opt(fd: BorrowedFd<'_>, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    get_opt(fd, level, name)
}

/// `setsockopt` with a plain C value (an `int` or an option struct).
fn set_opt<T: Copy>(fd: BorrowedFd<'_>, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    let len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` points to `len` readable bytes for the call's duration.
    syscall!(unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (value as *const T).cast(), len) }).map(drop)
}

/// `getsockopt` into a plain C value; `T` must be valid when zeroed (ints and
/// option structs are).
fn get_opt<T: Copy>(fd: BorrowedFd<'_>, level: libc::c_int, name: libc::c_int) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` has room for `len` bytes and `len` is a valid in/out
    // pointer; the kernel writes at most `len` bytes.
    syscall!(unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, value.as_mut_ptr().cast(), &mut len) })?;
    // SAFETY: the value started zeroed, valid for the C types this is used
    // with, and the kernel wrote at most `size_of::<T>()` bytes over it.
    Ok(unsafe { value.assume_init() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_round_trips() {
        let addr: SocketAddr = "192.0.2.7:4321".parse().unwrap();
        let (raw, len) = SockAddr::from_std(&addr);
        let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
        // SAFETY: the storage is larger than `SockAddr`; both are plain bytes.
        let storage = unsafe {
            std::ptr::copy_nonoverlapping(raw.as_ptr().cast::<u8>(), storage.as_mut_ptr().cast::<u8>(), len as usize);
            storage.assume_init()
        };
        assert_eq!(to_std(&storage, len).unwrap(), addr);
    }

    #[test]
    fn v6_round_trips() {
        let addr = SocketAddr::V6(SocketAddrV6::new("fe80::1:2".parse().unwrap(), 9, 7, 3));
        let (raw, len) = SockAddr::from_std(&addr);
        let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
        // SAFETY: as above.
        let storage = unsafe {
            std::ptr::copy_nonoverlapping(raw.as_ptr().cast::<u8>(), storage.as_mut_ptr().cast::<u8>(), len as usize);
            storage.assume_init()
        };
        assert_eq!(to_std(&storage, len).unwrap(), addr);
    }

    #[test]
    fn short_or_foreign_addresses_are_rejected() {
        // SAFETY: zero bytes are a valid `sockaddr_storage`.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        storage.ss_family = libc::AF_UNIX as libc::sa_family_t;
        assert_eq!(to_std(&storage, 110).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        storage.ss_family = libc::AF_INET as libc::sa_family_t;
        assert_eq!(to_std(&storage, 4).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }
}
