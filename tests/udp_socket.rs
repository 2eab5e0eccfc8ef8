//! `UdpSocket`: datagrams through a `Poll`, connected sockets, readiness
//! modes, broadcast and multicast options, multicast on loopback.

mod util;

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use mio::udp::UdpSocket;
use mio::{EventSet, Events, Poll, PollOpt, Token};
use util::{events_for, expect_event, localhost, retry};

const A: Token = Token(0);
const B: Token = Token(1);

fn pair() -> (UdpSocket, UdpSocket) {
    (UdpSocket::bind(localhost()).unwrap(), UdpSocket::bind(localhost()).unwrap())
}

#[test]
fn send_to_and_recv_from_through_poll() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (a, b) = pair();
    poll.register(&a, A, EventSet::writable(), PollOpt::edge()).unwrap();
    poll.register(&b, B, EventSet::readable(), PollOpt::edge()).unwrap();
    expect_event(&poll, &mut events, A, EventSet::writable());
    let mut buf = [0; 64];
    assert_eq!(b.recv_from(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);

    for i in 0..10u8 {
        assert_eq!(a.send_to(&[i; 10], b.local_addr().unwrap()).unwrap(), 10);
    }
    for i in 0..10u8 {
        let (n, from) = retry(&poll, &mut events, || b.recv_from(&mut buf)).unwrap();
        assert_eq!((&buf[..n], from), (&[i; 10][..], a.local_addr().unwrap()));
    }
    assert_eq!(b.recv_from(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn connected_send_and_recv() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (a, b) = pair();
    let stranger = UdpSocket::bind(localhost()).unwrap();
    assert_eq!(a.peer_addr().unwrap_err().kind(), io::ErrorKind::NotConnected);
    a.connect(b.local_addr().unwrap()).unwrap();
    b.connect(a.local_addr().unwrap()).unwrap();
    assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    poll.register(&b, B, EventSet::readable(), PollOpt::edge()).unwrap();

    // A datagram from another address is filtered out by the connection.
    stranger.send_to(b"stranger", b.local_addr().unwrap()).unwrap();
    a.send(b"hello").unwrap();
    let mut buf = [0; 64];
    let n = retry(&poll, &mut events, || b.recv(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(b.peek(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);

    b.send(b"back").unwrap();
    poll.register(&a, A, EventSet::readable(), PollOpt::edge()).unwrap();
    let n = retry(&poll, &mut events, || a.peek(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"back");
    assert_eq!(a.recv(&mut buf).unwrap(), 4);
}

#[test]
fn connected_send_to_a_closed_port_reports_refused() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let a = UdpSocket::bind(localhost()).unwrap();
    let closed = UdpSocket::bind(localhost()).unwrap().local_addr().unwrap();
    a.connect(closed).unwrap();
    poll.register(&a, A, EventSet::readable(), PollOpt::edge()).unwrap();
    a.send(b"anyone?").unwrap();
    // The ICMP port unreachable comes back as an error event.
    let kind = expect_event(&poll, &mut events, A, EventSet::none());
    assert!(kind.is_error() || kind.is_readable(), "{kind:?}");
    let err = a.recv(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn level_triggered_reports_on_every_poll() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (a, b) = pair();
    poll.register(&b, B, EventSet::readable(), PollOpt::level()).unwrap();
    a.send_to(b"x", b.local_addr().unwrap()).unwrap();
    for _ in 0..3 {
        expect_event(&poll, &mut events, B, EventSet::readable());
    }
    b.recv_from(&mut [0; 4]).unwrap();
    assert!(events_for(&poll, &mut events, B, Duration::from_millis(50)).is_empty());
}

#[test]
fn edge_triggered_reports_once() {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (a, b) = pair();
    poll.register(&b, B, EventSet::readable(), PollOpt::edge()).unwrap();
    a.send_to(b"x", b.local_addr().unwrap()).unwrap();
    expect_event(&poll, &mut events, B, EventSet::readable());
    assert!(events_for(&poll, &mut events, B, Duration::from_millis(50)).is_empty());
}

#[test]
fn options_round_trip() {
    let (a, _) = pair();
    assert!(!a.broadcast().unwrap());
    a.set_broadcast(true).unwrap();
    assert!(a.broadcast().unwrap());
    a.set_ttl(9).unwrap();
    assert_eq!(a.ttl().unwrap(), 9);
    assert_eq!(a.multicast_ttl_v4().unwrap(), 1);
    a.set_multicast_ttl_v4(3).unwrap();
    assert_eq!(a.multicast_ttl_v4().unwrap(), 3);
    assert!(a.multicast_loop_v4().unwrap());
    a.set_multicast_loop_v4(false).unwrap();
    assert!(!a.multicast_loop_v4().unwrap());
    assert!(a.take_error().unwrap().is_none());
    assert!(format!("{a:?}").contains("UdpSocket"));
    let err = a.join_multicast_v4(&Ipv4Addr::new(10, 0, 0, 1), &Ipv4Addr::LOCALHOST).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "not a multicast group: {err:?}");
}

#[test]
fn from_std_try_clone_and_owned_fd() {
    let std_socket = std::net::UdpSocket::bind(localhost()).unwrap();
    let a = UdpSocket::from_std(std_socket).unwrap();
    assert_eq!(a.recv_from(&mut [0; 4]).unwrap_err().kind(), io::ErrorKind::WouldBlock, "non-blocking");
    let clone = a.try_clone().unwrap();
    let fd = OwnedFd::from(clone);
    let clone = UdpSocket::from(fd);
    assert_eq!(clone.local_addr().unwrap(), a.local_addr().unwrap());
    let b = UdpSocket::bind(localhost()).unwrap();
    let flags = util::fd_flags(b.as_raw_fd());
    assert_eq!(flags & (util::O_NONBLOCK | util::O_CLOEXEC), util::O_NONBLOCK | util::O_CLOEXEC);
}

/// Multicast to 224.0.0.x on the loopback interface: join with interface
/// 127.0.0.1, send with `IP_MULTICAST_IF` 127.0.0.1, receive our own
/// datagram back (`IP_MULTICAST_LOOP`).
#[test]
fn multicast_v4_on_loopback() {
    let group = Ipv4Addr::new(224, 0, 0, 123);
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let receiver = UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))).unwrap();
    let port = receiver.local_addr().unwrap().port();
    if let Err(e) = receiver.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST) {
        // Try the OS's choice of interface before giving up.
        if let Err(e2) = receiver.join_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED) {
            println!("skipped: cannot join {group} on 127.0.0.1 ({e}) nor on any interface ({e2})");
            return;
        }
    }
    poll.register(&receiver, B, EventSet::readable(), PollOpt::edge()).unwrap();

    let sender = UdpSocket::bind(localhost()).unwrap();
    sender.set_multicast_if_v4(&Ipv4Addr::LOCALHOST).unwrap();
    sender.set_multicast_loop_v4(true).unwrap();
    if let Err(e) = sender.send_to(b"to the group", SocketAddr::from((group, port))) {
        println!("skipped: no multicast route via 127.0.0.1 ({e})");
        return;
    }
    let mut buf = [0; 64];
    let (n, from) = retry(&poll, &mut events, || receiver.recv_from(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"to the group");
    assert_eq!(from, sender.local_addr().unwrap());

    receiver.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    let err = receiver.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EADDRNOTAVAIL), "{err:?}");
}

/// The loopback interface's index, from sysfs.
fn loopback_index() -> Option<u32> {
    std::fs::read_to_string("/sys/class/net/lo/ifindex").ok()?.trim().parse().ok()
}

/// Multicast to ff02::x (link-local scope) on the loopback interface.
#[test]
fn multicast_v6_on_loopback() {
    let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
    let Some(lo) = loopback_index() else {
        println!("skipped: no /sys/class/net/lo/ifindex");
        return;
    };
    let Ok(receiver) = UdpSocket::bind(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))) else {
        println!("skipped: no IPv6 in this environment");
        return;
    };
    let port = receiver.local_addr().unwrap().port();
    if let Err(e) = receiver.join_multicast_v6(&group, lo) {
        println!("skipped: cannot join {group} on lo (index {lo}): {e}");
        return;
    }
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    poll.register(&receiver, B, EventSet::readable(), PollOpt::edge()).unwrap();

    let sender = UdpSocket::bind(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))).unwrap();
    sender.set_multicast_if_v6(lo).unwrap();
    sender.set_multicast_loop_v6(true).unwrap();
    assert!(sender.multicast_loop_v6().unwrap());
    let target = SocketAddr::V6(std::net::SocketAddrV6::new(group, port, 0, lo));
    if let Err(e) = sender.send_to(b"six", target) {
        println!("skipped: no IPv6 multicast route on lo ({e}); lo has no MULTICAST flag here, so the kernel has no ff00::/8 route for it");
        return;
    }
    let mut buf = [0; 16];
    let (n, _) = retry(&poll, &mut events, || receiver.recv_from(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"six");
    receiver.leave_multicast_v6(&group, lo).unwrap();
}
