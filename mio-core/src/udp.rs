//! Non-blocking UDP: [`UdpSocket`].

use std::fmt;
use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsFd;

use crate::io_source::impl_source_traits;
use crate::io_source::IoSource;
use crate::sys;

/// A non-blocking UDP socket.
///
/// Unconnected, it sends with [`send_to`](UdpSocket::send_to) and receives
/// with [`recv_from`](UdpSocket::recv_from); after
/// [`connect`](UdpSocket::connect) it can use [`send`](UdpSocket::send) and
/// [`recv`](UdpSocket::recv). Every send and receive returns `WouldBlock`
/// when the socket is not ready. Each call moves one whole datagram; a
/// receive buffer too small for it truncates it silently.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mio_core::udp::UdpSocket;
/// use mio_core::{EventSet, Events, Poll, PollOpt, Token};
///
/// let a = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
/// let b = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
/// let poll = Poll::new()?;
/// poll.register(&b, Token(0), EventSet::readable(), PollOpt::edge())?;
///
/// a.send_to(b"hello", b.local_addr()?)?;
/// let mut events = Events::with_capacity(8);
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf)?;
/// assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr()?));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UdpSocket {
    inner: IoSource<net::UdpSocket>,
}

impl UdpSocket {
    /// Creates a socket bound to `addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `AddrNotAvailable` or `PermissionDenied` from `bind`;
    /// otherwise the OS error of `socket` (e.g. `EMFILE`).
    pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
        Ok(UdpSocket::from_std_unchecked(net::UdpSocket::from(sys::net::udp_bind(&addr)?)))
    }

    /// Wraps a std socket, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The OS error setting `O_NONBLOCK`.
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket::from_std_unchecked(socket))
    }

    fn from_std_unchecked(socket: net::UdpSocket) -> UdpSocket {
        UdpSocket { inner: IoSource::new(socket) }
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname` (in practice none).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The address the socket is connected to.
    ///
    /// # Errors
    ///
    /// `NotConnected` if [`connect`](UdpSocket::connect) was not called.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Duplicates the socket (`F_DUPFD_CLOEXEC`). The copy is not registered.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl` (e.g. `EMFILE`).
    pub fn try_clone(&self) -> io::Result<UdpSocket> {
        Ok(UdpSocket::from_std_unchecked(self.inner.get_ref().try_clone()?))
    }

    /// Sends one datagram to `target`; returns the bytes sent (all of `buf`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full; the OS error of `sendto`
    /// otherwise (e.g. `PermissionDenied` for a broadcast address without
    /// [`set_broadcast`](UdpSocket::set_broadcast), `EMSGSIZE` for a datagram
    /// over 65,507 bytes, `NetworkUnreachable`).
    pub fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner.do_io(|s| s.send_to(buf, target))
    }

    /// Receives one datagram: its length (at most `buf.len()`, the rest is
    /// discarded) and its sender.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when no datagram is queued; `ConnectionRefused` on a
    /// connected socket whose earlier datagram was answered by ICMP port
    /// unreachable.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|s| s.recv_from(buf))
    }

    /// As [`recv_from`](UdpSocket::recv_from), leaving the datagram queued.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|s| s.peek_from(buf))
    }

    /// Sets the default destination and accepts datagrams only from `addr`.
    /// Does no IO: UDP has no handshake.
    ///
    /// # Errors
    ///
    /// The OS error of `connect` (e.g. `NetworkUnreachable`, or `InvalidInput`
    /// for an address of the other family).
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.get_ref().connect(addr)
    }

    /// Sends one datagram to the connected address.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full; the OS error `EDESTADDRREQ`
    /// when not connected; `ConnectionRefused` after the peer answered an
    /// earlier datagram with ICMP port unreachable.
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|s| s.send(buf))
    }

    /// Receives one datagram from the connected address.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|s| s.recv(buf))
    }

    /// As [`recv`](UdpSocket::recv), leaving the datagram queued.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|s| s.peek(buf))
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt` (in practice none).
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.get_ref().broadcast()
    }

    /// Sets the IP time-to-live of outgoing unicast packets (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TTL over 255.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Joins the IPv4 multicast group `group` on the interface with address
    /// `interface` (`Ipv4Addr::UNSPECIFIED`: let the OS choose by route).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `group` is not a multicast address; `ENODEV` (no
    /// such interface, or no multicast route for `UNSPECIFIED`);
    /// `AddrInUse` if already joined.
    pub fn join_multicast_v4(&self, group: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.get_ref().join_multicast_v4(group, interface)
    }

    /// Leaves an IPv4 multicast group joined with the same arguments.
    ///
    /// # Errors
    ///
    /// `EADDRNOTAVAIL` if the group was not joined on that interface.
    pub fn leave_multicast_v4(&self, group: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.get_ref().leave_multicast_v4(group, interface)
    }

    /// Joins the IPv6 multicast group `group` on the interface with index
    /// `interface` (0: let the OS choose).
    ///
    /// # Errors
    ///
    /// As [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    pub fn join_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get_ref().join_multicast_v6(group, interface)
    }

    /// Leaves an IPv6 multicast group joined with the same arguments.
    ///
    /// # Errors
    ///
    /// As [`leave_multicast_v4`](UdpSocket::leave_multicast_v4).
    pub fn leave_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get_ref().leave_multicast_v6(group, interface)
    }

    /// Sets the interface, by its address, that outgoing IPv4 multicast
    /// leaves from (`IP_MULTICAST_IF`); e.g. `127.0.0.1` keeps it on the
    /// loopback interface.
    ///
    /// # Errors
    ///
    /// `EADDRNOTAVAIL` if no interface has that address.
    pub fn set_multicast_if_v4(&self, interface: &Ipv4Addr) -> io::Result<()> {
        sys::net::set_multicast_if_v4(self.as_fd(), interface)
    }

    /// Sets the interface, by its index, that outgoing IPv6 multicast leaves
    /// from (`IPV6_MULTICAST_IF`).
    ///
    /// # Errors
    ///
    /// `ENXIO`/`InvalidInput` for an unknown index.
    pub fn set_multicast_if_v6(&self, interface: u32) -> io::Result<()> {
        sys::net::set_multicast_if_v6(self.as_fd(), interface)
    }

    /// Whether this host's own IPv4 multicast is delivered back to its
    /// sockets (`IP_MULTICAST_LOOP`, on by default).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt` (in practice none).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_multicast_loop_v4(on)
    }

    /// The `IP_MULTICAST_LOOP` setting.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.inner.get_ref().multicast_loop_v4()
    }

    /// Sets how many hops outgoing IPv4 multicast may take
    /// (`IP_MULTICAST_TTL`, default 1: the local network only).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TTL over 255.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IP_MULTICAST_TTL` setting.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none).
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.inner.get_ref().multicast_ttl_v4()
    }

    /// As [`set_multicast_loop_v4`](UdpSocket::set_multicast_loop_v4), for
    /// IPv6 (`IPV6_MULTICAST_LOOP`).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt` (`InvalidInput` on an IPv4 socket).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_multicast_loop_v6(on)
    }

    /// The `IPV6_MULTICAST_LOOP` setting.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (on an IPv4 socket, e.g. `InvalidInput`).
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner.get_ref().multicast_loop_v6()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` (in practice none); the socket's error
    /// itself is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}

impl_source_traits!(UdpSocket, net::UdpSocket);
