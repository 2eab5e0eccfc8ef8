//! Unix domain sockets: creation, `sockaddr_un`, accept, and SCM_RIGHTS fd
//! passing with a fixed-size control buffer on the stack.

use std::ffi::OsStr;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::sys::{syscall, LISTEN_BACKLOG};

/// The most fds one message can carry (the kernel's `SCM_MAX_FD`).
pub(crate) const MAX_FDS: usize = 253;

/// Bytes of control data needed for `MAX_FDS` fds.
// SAFETY: CMSG_SPACE is arithmetic on its argument; it touches no memory.
const CMSG_BUF_LEN: usize =
    unsafe { libc::CMSG_SPACE((MAX_FDS * mem::size_of::<libc::c_int>()) as libc::c_uint) } as usize;

/// The kind of a Unix domain socket.
#[derive(Copy, Clone, Debug)]
pub(crate) enum SocketType {
    Stream,
    Datagram,
}

impl SocketType {
    fn raw(self) -> libc::c_int {
        match self {
            SocketType::Stream => libc::SOCK_STREAM,
            SocketType::Datagram => libc::SOCK_DGRAM,
        }
    }
}

/// Creates an `AF_UNIX` socket, `SOCK_NONBLOCK | SOCK_CLOEXEC`.
pub(crate) fn socket(ty: SocketType) -> io::Result<OwnedFd> {
    // SAFETY: plain integer arguments.
    let fd = syscall!(unsafe { libc::socket(libc::AF_UNIX, ty.raw() | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: socket succeeded, so `fd` is open and owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Creates a connected pair of `AF_UNIX` sockets, `SOCK_NONBLOCK | SOCK_CLOEXEC`.
pub(crate) fn pair(ty: SocketType) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two fds socketpair writes.
    syscall!(unsafe {
        libc::socketpair(libc::AF_UNIX, ty.raw() | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr())
    })?;
    // SAFETY: socketpair succeeded, so both fds are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A `sockaddr_un` built from a path, with its length.
#[derive(Copy, Clone)]
pub(crate) struct UnixAddr {
    addr: libc::sockaddr_un,
    len: libc::socklen_t,
}

impl UnixAddr {
    /// Converts a path. A path whose first byte is NUL names an address in the
    /// abstract namespace (the rest of the bytes, NULs included, are the name).
    ///
    /// Errors (`InvalidInput`): an empty path, a NUL inside a filesystem path,
    /// or a path that does not fit `sun_path` (107 bytes plus the terminating
    /// NUL; 107 bytes after the leading NUL for an abstract name).
    pub(crate) fn new(path: &Path) -> io::Result<UnixAddr> {
        let bytes = path.as_os_str().as_bytes();
        // SAFETY: sockaddr_un is plain old data, for which all zeroes is a valid value.
        let mut addr: libc::sockaddr_un = unsafe { mem::zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let used = match bytes.first() {
            None => return Err(invalid("a Unix socket path must not be empty")),
            Some(0) => bytes.len(),
            Some(_) if bytes.contains(&0) => return Err(invalid("a Unix socket path must not contain NUL bytes")),
            Some(_) => bytes.len() + 1,
        };
        if used > addr.sun_path.len() {
            return Err(invalid("Unix socket path too long: at most 107 bytes fit in sockaddr_un"));
        }
        for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
            *dst = *src as libc::c_char;
        }
        let len = mem::offset_of!(libc::sockaddr_un, sun_path) + used;
        Ok(UnixAddr { addr, len: len as libc::socklen_t })
    }

    fn as_ptr(&self) -> *const libc::sockaddr {
        (&self.addr as *const libc::sockaddr_un).cast()
    }
}

/// Binds `fd` to `addr`.
pub(crate) fn bind(fd: BorrowedFd<'_>, addr: &UnixAddr) -> io::Result<()> {
    // SAFETY: `addr` points to a valid sockaddr_un of `addr.len` bytes.
    syscall!(unsafe { libc::bind(fd.as_raw_fd(), addr.as_ptr(), addr.len) }).map(drop)
}

/// Marks a bound stream socket as accepting connections, with a backlog of
/// 1024 (as mio 1.x; the kernel caps it at `somaxconn`).
pub(crate) fn listen(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: listen only reads its integer arguments.
    syscall!(unsafe { libc::listen(fd.as_raw_fd(), LISTEN_BACKLOG) }).map(drop)
}

/// Connects `fd` to `addr`. `EINPROGRESS` counts as success (the connection
/// completes later and is reported writable). On Linux a Unix stream connect
/// completes at once or fails; `EAGAIN` (`WouldBlock`) means the listener's
/// backlog is full and nothing was started.
pub(crate) fn connect(fd: BorrowedFd<'_>, addr: &UnixAddr) -> io::Result<()> {
    // SAFETY: `addr` points to a valid sockaddr_un of `addr.len` bytes.
    match syscall!(unsafe { libc::connect(fd.as_raw_fd(), addr.as_ptr(), addr.len) }) {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Accepts a connection with `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`.
pub(crate) fn accept(fd: BorrowedFd<'_>) -> io::Result<(OwnedFd, SocketAddr)> {
    // SAFETY: sockaddr_un is plain old data, for which all zeroes is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    let ptr: *mut libc::sockaddr = (&mut addr as *mut libc::sockaddr_un).cast();
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: `ptr` and `len` describe a writable sockaddr_un the kernel fills.
    let conn = syscall!(unsafe { libc::accept4(fd.as_raw_fd(), ptr, &mut len, flags) })?;
    // SAFETY: accept4 succeeded, so `conn` is open and owned by nobody else.
    let conn = unsafe { OwnedFd::from_raw_fd(conn) };
    // On error `conn` is dropped, so the fd is closed, not leaked.
    let addr = std_addr(&addr, len)?;
    Ok((conn, addr))
}

/// Converts an address filled in by the kernel to std's `SocketAddr`.
fn std_addr(addr: &libc::sockaddr_un, len: libc::socklen_t) -> io::Result<SocketAddr> {
    let offset = mem::offset_of!(libc::sockaddr_un, sun_path);
    let used = (len as usize).saturating_sub(offset).min(addr.sun_path.len());
    let mut bytes = [0u8; mem::size_of::<libc::sockaddr_un>()];
    for (dst, src) in bytes.iter_mut().zip(&addr.sun_path[..used]) {
        *dst = *src as u8;
    }
    let bytes = &bytes[..used];
    match bytes.first() {
        // An unnamed socket: std maps the empty pathname to an unnamed address.
        None => SocketAddr::from_pathname(""),
        Some(0) => abstract_addr(&bytes[1..]),
        Some(_) => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            SocketAddr::from_pathname(OsStr::from_bytes(&bytes[..end]))
        }
    }
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &[u8]) -> io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

#[cfg(target_os = "android")]
fn abstract_addr(name: &[u8]) -> io::Result<SocketAddr> {
    use std::os::android::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_addr(_name: &[u8]) -> io::Result<SocketAddr> {
    Err(invalid("abstract Unix socket addresses are not supported on this OS"))
}

/// A control-message buffer aligned for `cmsghdr`, large enough for `MAX_FDS`.
#[repr(C)]
struct CmsgBuf {
    _align: [libc::cmsghdr; 0],
    bytes: [u8; CMSG_BUF_LEN],
}

impl CmsgBuf {
    fn new() -> CmsgBuf {
        CmsgBuf { _align: [], bytes: [0; CMSG_BUF_LEN] }
    }
}

/// The control-data length for `n` fds (`n <= MAX_FDS`), 0 for none.
fn cmsg_space(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // SAFETY: CMSG_SPACE is arithmetic on its argument; it touches no memory.
    unsafe { libc::CMSG_SPACE((n * mem::size_of::<libc::c_int>()) as libc::c_uint) as usize }
}

/// Sends `buf` with `fds` attached as one `SCM_RIGHTS` message, to `to` if
/// given (unconnected datagram sockets). `MSG_NOSIGNAL`: a closed peer is
/// `BrokenPipe`, not a signal.
///
/// Errors: `InvalidInput` if more than `MAX_FDS` fds are given; the OS error
/// of `sendmsg` otherwise.
pub(crate) fn send_msg(
    fd: BorrowedFd<'_>,
    buf: &[u8],
    fds: &[BorrowedFd<'_>],
    to: Option<&UnixAddr>,
) -> io::Result<usize> {
    if fds.len() > MAX_FDS {
        return Err(invalid("too many fds for one message: at most 253 (SCM_MAX_FD)"));
    }
    // Initialised (1 KiB zeroed) only when there are fds to send.
    let mut cmsg: CmsgBuf;
    let mut iov = libc::iovec { iov_base: buf.as_ptr() as *mut libc::c_void, iov_len: buf.len() };
    // SAFETY: msghdr is plain old data, for which all zeroes is a valid value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some(to) = to {
        msg.msg_name = to.as_ptr() as *mut libc::c_void;
        msg.msg_namelen = to.len;
    }
    if !fds.is_empty() {
        cmsg = CmsgBuf::new();
        msg.msg_control = cmsg.bytes.as_mut_ptr().cast();
        msg.msg_controllen = cmsg_space(fds.len()) as _;
        write_rights(&msg, fds);
    }
    // SAFETY: every pointer in `msg` (iov over `buf`, the name, the control
    // buffer) is valid for the lengths given, and the kernel only reads them.
    let n = syscall!(unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) })?;
    Ok(n as usize)
}

/// Writes one `SCM_RIGHTS` header and `fds` into `msg`'s control buffer,
/// which the caller sized with `cmsg_space(fds.len())`.
fn write_rights(msg: &libc::msghdr, fds: &[BorrowedFd<'_>]) {
    let data_len = (fds.len() * mem::size_of::<libc::c_int>()) as libc::c_uint;
    // SAFETY: the control buffer is aligned for cmsghdr and holds
    // CMSG_SPACE(data_len) bytes, so the first header and `fds.len()` ints after
    // it are in bounds; the data may be unaligned, hence write_unaligned.
    unsafe {
        let hdr = libc::CMSG_FIRSTHDR(msg);
        (*hdr).cmsg_level = libc::SOL_SOCKET;
        (*hdr).cmsg_type = libc::SCM_RIGHTS;
        (*hdr).cmsg_len = libc::CMSG_LEN(data_len) as _;
        let data = libc::CMSG_DATA(hdr).cast::<libc::c_int>();
        for (i, fd) in fds.iter().enumerate() {
            data.add(i).write_unaligned(fd.as_raw_fd());
        }
    }
}

/// Receives one message into `buf` and the fds sent with it into `fds_out`
/// (from index 0), with `MSG_CMSG_CLOEXEC`. Returns (bytes, fds).
///
/// Every fd the kernel installed is owned at once, so none can leak. If more
/// fds arrived than `fds_out` holds, or the kernel truncated the control data
/// (`MSG_CTRUNC`), all of them are closed and the error is `InvalidData`; the
/// message's bytes are consumed.
pub(crate) fn recv_msg(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    fds_out: &mut [Option<OwnedFd>],
) -> io::Result<(usize, usize)> {
    // Initialised (1 KiB zeroed) only when there is room for fds.
    let mut cmsg: CmsgBuf;
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: msghdr is plain old data, for which all zeroes is a valid value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    let space = cmsg_space(fds_out.len().min(MAX_FDS));
    if space > 0 {
        cmsg = CmsgBuf::new();
        msg.msg_control = cmsg.bytes.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
    }
    // SAFETY: the iov covers `buf` and the control pointer covers `space`
    // bytes of `cmsg`; the kernel writes within those lengths only.
    let n = syscall!(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) })?;
    let (count, overflow) = take_rights(&msg, fds_out);
    if overflow || msg.msg_flags & libc::MSG_CTRUNC != 0 {
        fds_out[..count].iter_mut().for_each(|slot| *slot = None);
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "control data truncated: more fds were sent than fds_out holds; the fds received were closed",
        ));
    }
    Ok((n as usize, count))
}

/// Takes ownership of every fd in `msg`'s `SCM_RIGHTS` messages, storing them
/// in `fds_out` in order and closing those that do not fit. Returns (stored,
/// some did not fit).
fn take_rights(msg: &libc::msghdr, fds_out: &mut [Option<OwnedFd>]) -> (usize, bool) {
    let (mut count, mut overflow) = (0, false);
    if msg.msg_control.is_null() {
        return (count, overflow);
    }
    #[allow(clippy::unnecessary_cast)] // size_t on glibc, socklen_t on musl
    let end = msg.msg_control as usize + msg.msg_controllen as usize;
    // SAFETY: CMSG_FIRSTHDR/CMSG_NXTHDR walk the control buffer the kernel
    // filled and return null past `msg_controllen`; each header lies inside it.
    let mut hdr = unsafe { libc::CMSG_FIRSTHDR(msg) };
    while !hdr.is_null() {
        // SAFETY: `hdr` is non-null and points to a header inside the buffer.
        let (level, ty, len) = unsafe { ((*hdr).cmsg_level, (*hdr).cmsg_type, (*hdr).cmsg_len as usize) };
        if level == libc::SOL_SOCKET && ty == libc::SCM_RIGHTS {
            // SAFETY: CMSG_DATA and CMSG_LEN are pointer and length arithmetic
            // on a header inside the buffer.
            let (data, header) = unsafe { (libc::CMSG_DATA(hdr).cast::<libc::c_int>(), libc::CMSG_LEN(0) as usize) };
            // Never read past the buffer, whatever the header claims.
            let bytes = len.saturating_sub(header).min(end.saturating_sub(data as usize));
            for i in 0..bytes / mem::size_of::<libc::c_int>() {
                // SAFETY: `i` ints from `data` are within the buffer (checked
                // above); read_unaligned as control data need not be aligned.
                let raw = unsafe { data.add(i).read_unaligned() };
                // SAFETY: the kernel installed `raw` in this process for us;
                // nothing else owns it.
                let owned = unsafe { OwnedFd::from_raw_fd(raw) };
                match fds_out.get_mut(count) {
                    Some(slot) => {
                        *slot = Some(owned);
                        count += 1;
                    }
                    None => overflow = true, // `owned` is dropped: closed.
                }
            }
        }
        // SAFETY: `hdr` is a header inside the buffer described by `msg`.
        hdr = unsafe { libc::CMSG_NXTHDR(msg, hdr) };
    }
    (count, overflow)
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_address_round_trips() {
        // SAFETY: sockaddr_un is plain old data, for which all zeroes is a valid value.
        let addr: libc::sockaddr_un = unsafe { mem::zeroed() };
        let len = mem::size_of::<libc::sa_family_t>() as libc::socklen_t;
        assert!(std_addr(&addr, len).unwrap().is_unnamed());
        assert!(std_addr(&addr, 0).unwrap().is_unnamed());
    }

    #[test]
    fn pathname_address_round_trips() {
        let a = UnixAddr::new(Path::new("/tmp/some.sock")).unwrap();
        let back = std_addr(&a.addr, a.len).unwrap();
        assert_eq!(back.as_pathname(), Some(Path::new("/tmp/some.sock")));
    }

    #[test]
    fn path_limits() {
        let max = "a".repeat(107);
        assert!(UnixAddr::new(Path::new(&max)).is_ok());
        let long = "a".repeat(108);
        assert_eq!(UnixAddr::new(Path::new(&long)).err().unwrap().kind(), io::ErrorKind::InvalidInput);
        let abs = format!("\0{}", "b".repeat(107));
        assert!(UnixAddr::new(Path::new(&abs)).is_ok());
        let abs = format!("\0{}", "b".repeat(108));
        assert_eq!(UnixAddr::new(Path::new(&abs)).err().unwrap().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(UnixAddr::new(Path::new("")).err().unwrap().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(UnixAddr::new(Path::new("a\0b")).err().unwrap().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn cmsg_buffer_fits_max_fds() {
        assert!(cmsg_space(MAX_FDS) <= CMSG_BUF_LEN);
        assert_eq!(mem::align_of::<CmsgBuf>(), mem::align_of::<libc::cmsghdr>());
    }
}
