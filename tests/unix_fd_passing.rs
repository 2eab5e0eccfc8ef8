//! SCM_RIGHTS fd passing over Unix stream and datagram sockets: the received
//! fd works and is close-on-exec, and truncated control data leaks nothing.
//!
//! Tests here count this process's open fds, so they take `FD_LOCK` to keep
//! the other tests of this binary from opening fds meanwhile.

mod util;

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mio::unix::{pipe, PipeReader, PipeWriter, UnixDatagram, UnixStream};
use mio::{EventSet, Evented, Events, Poll, PollOpt, Token};
use util::temp_dir::TempDir;

static FD_LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    FD_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The number of fds this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// The open-file flags of `fd`, read from /proc (no unsafe `fcntl` needed).
fn fd_flags(fd: BorrowedFd<'_>) -> u32 {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).unwrap();
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:")).unwrap().trim();
    u32::from_str_radix(flags, 8).unwrap()
}

fn is_cloexec(fd: BorrowedFd<'_>) -> bool {
    fd_flags(fd) & libc::O_CLOEXEC as u32 != 0
}

fn is_nonblocking(fd: BorrowedFd<'_>) -> bool {
    fd_flags(fd) & libc::O_NONBLOCK as u32 != 0
}

/// Registers `source` for readable and polls (bounded) until it is.
fn wait_readable(source: &impl Evented) {
    let poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(4);
    poll.register(source, Token(3), EventSet::readable(), PollOpt::edge()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        poll.poll(&mut events, Some(Duration::from_millis(100))).unwrap();
        if events.iter().any(|ev| ev.token() == Token(3) && ev.kind().is_readable()) {
            poll.deregister(source).unwrap();
            return;
        }
    }
    panic!("not readable within 5s");
}

/// Writes through a received pipe write end and checks the bytes arrive at
/// `reader`; after that, the pipe has no writer left, so `reader` sees EOF.
fn check_received_writer(received: OwnedFd, mut reader: PipeReader) {
    assert!(is_cloexec(received.as_fd()), "received fd lacks FD_CLOEXEC");
    let mut writer = File::from(received);
    writer.write_all(b"through the passed fd").unwrap();
    drop(writer);
    let mut got = Vec::new();
    reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"through the passed fd");
}

fn new_pipe() -> (PipeReader, PipeWriter) {
    pipe().unwrap()
}

#[test]
fn pass_pipe_over_stream() {
    let _guard = lock();
    let (a, b) = UnixStream::pair().unwrap();
    let (reader, writer) = new_pipe();
    assert_eq!(a.send_fds(b"fd!", &[writer.as_fd()]).unwrap(), 3);
    drop(writer); // The receiver's copy is now the only write end.

    wait_readable(&b);
    let mut buf = [0; 16];
    let mut fds: [Option<OwnedFd>; 2] = Default::default();
    assert_eq!(b.recv_fds(&mut buf, &mut fds).unwrap(), (3, 1));
    assert_eq!(&buf[..3], b"fd!");
    assert!(fds[1].is_none());
    check_received_writer(fds[0].take().unwrap(), reader);
    assert_eq!(b.recv_fds(&mut buf, &mut fds).unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[test]
fn pass_pipe_over_datagram_pair() {
    let _guard = lock();
    let (a, b) = UnixDatagram::pair().unwrap();
    let (reader, writer) = new_pipe();
    a.send_fds(b"dgram", &[writer.as_fd()]).unwrap();
    drop(writer);

    wait_readable(&b);
    let mut buf = [0; 16];
    let mut fds: [Option<OwnedFd>; 1] = Default::default();
    assert_eq!(b.recv_fds(&mut buf, &mut fds).unwrap(), (5, 1));
    check_received_writer(fds[0].take().unwrap(), reader);
}

#[test]
fn pass_pipe_to_bound_datagram_by_path() {
    let _guard = lock();
    let dir = TempDir::new();
    let path = dir.path("fd.sock");
    let server = UnixDatagram::bind(&path).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    let (reader, writer) = new_pipe();
    client.send_fds_to(b"to path", &[writer.as_fd()], &path).unwrap();
    drop(writer);

    let mut buf = [0; 16];
    let mut fds: [Option<OwnedFd>; 1] = Default::default();
    assert_eq!(server.recv_fds(&mut buf, &mut fds).unwrap(), (7, 1));
    check_received_writer(fds[0].take().unwrap(), reader);
}

#[test]
fn several_fds_in_one_message_and_none() {
    let _guard = lock();
    let (a, b) = UnixStream::pair().unwrap();
    let pipes = [new_pipe(), new_pipe(), new_pipe()];
    let writers: Vec<BorrowedFd<'_>> = pipes.iter().map(|(_, w)| w.as_fd()).collect();
    a.send_fds(b"3", &writers).unwrap();
    a.send_fds(b"plain", &[]).unwrap();

    let mut buf = [0; 1];
    let mut fds: [Option<OwnedFd>; 4] = Default::default();
    assert_eq!(b.recv_fds(&mut buf, &mut fds).unwrap(), (1, 3));
    assert!(fds[..3].iter().all(Option::is_some) && fds[3].is_none());
    // The fds came with the first byte; the plain bytes come without any.
    let mut buf = [0; 16];
    let mut none: [Option<OwnedFd>; 4] = Default::default();
    assert_eq!(b.recv_fds(&mut buf, &mut none).unwrap(), (5, 0));
    assert!(none.iter().all(Option::is_none));
}

/// Sends `sent` fds and receives with room for `room`; truncation must give
/// `InvalidData` and close every fd received.
fn truncated(
    send: impl Fn(&[BorrowedFd<'_>]),
    recv: impl Fn(&mut [Option<OwnedFd>]) -> std::io::Result<(usize, usize)>,
) {
    let (_reader, writer) = new_pipe();
    for (sent, room) in [(1, 0), (2, 1), (3, 1), (8, 2)] {
        let before = open_fds();
        let fds = vec![writer.as_fd(); sent];
        send(&fds);
        let mut slots: Vec<Option<OwnedFd>> = (0..room).map(|_| None).collect();
        let err = recv(&mut slots).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{sent} fds into {room} slots: {err}");
        assert!(slots.iter().all(Option::is_none), "slots must be emptied on error");
        drop(slots);
        assert_eq!(open_fds(), before, "{sent} fds into {room} slots leaked");
    }
}

#[test]
fn truncated_control_data_closes_fds_on_stream() {
    let _guard = lock();
    let baseline = open_fds();
    {
        let (a, b) = UnixStream::pair().unwrap();
        truncated(|fds| assert_eq!(a.send_fds(b"t", fds).unwrap(), 1), |slots| b.recv_fds(&mut [0; 8], slots));
        // The stream still works afterwards.
        a.send_fds(b"ok", &[]).unwrap();
        assert_eq!(b.recv_fds(&mut [0; 8], &mut []).unwrap(), (2, 0));
    }
    assert_eq!(open_fds(), baseline);
}

#[test]
fn truncated_control_data_closes_fds_on_datagram() {
    let _guard = lock();
    let baseline = open_fds();
    {
        let (a, b) = UnixDatagram::pair().unwrap();
        truncated(|fds| assert_eq!(a.send_fds(b"t", fds).unwrap(), 1), |slots| b.recv_fds(&mut [0; 8], slots));
    }
    assert_eq!(open_fds(), baseline);
}

#[test]
fn bad_fd_lists_are_invalid_input() {
    let _guard = lock();
    let (a, _b) = UnixStream::pair().unwrap();
    let (_reader, writer) = new_pipe();
    let too_many = vec![writer.as_fd(); 254];
    assert_eq!(a.send_fds(b"x", &too_many).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(a.send_fds(b"", &[writer.as_fd()]).unwrap_err().kind(), ErrorKind::InvalidInput);
    let (d, _e) = UnixDatagram::pair().unwrap();
    assert_eq!(d.send_fds(b"x", &too_many).unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn dropping_sockets_with_fds_in_flight_leaks_nothing() {
    let _guard = lock();
    let baseline = open_fds();
    for _ in 0..50 {
        let (a, b) = UnixStream::pair().unwrap();
        let (r, w) = new_pipe();
        a.send_fds(b"lost", &[r.as_fd(), w.as_fd()]).unwrap();
        drop((a, b, r, w)); // Never received: the kernel drops the in-flight fds.
    }
    assert_eq!(open_fds(), baseline);
}

#[test]
fn every_socket_is_nonblocking_and_cloexec() {
    let _guard = lock();
    let dir = TempDir::new();
    let path = dir.path("flags.sock");
    let listener = mio::unix::UnixListener::bind(&path).unwrap();
    let client = UnixStream::connect(&path).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    let (s1, s2) = UnixStream::pair().unwrap();
    let bound = UnixDatagram::bind(dir.path("flags-dgram.sock")).unwrap();
    let unbound = UnixDatagram::unbound().unwrap();
    let (d1, d2) = UnixDatagram::pair().unwrap();
    let cloned = client.try_clone().unwrap();
    let fds = [
        listener.as_fd(),
        client.as_fd(),
        accepted.as_fd(),
        s1.as_fd(),
        s2.as_fd(),
        bound.as_fd(),
        unbound.as_fd(),
        d1.as_fd(),
        d2.as_fd(),
        cloned.as_fd(),
    ];
    for (i, fd) in fds.into_iter().enumerate() {
        assert!(is_nonblocking(fd), "socket #{i} is blocking");
        assert!(is_cloexec(fd), "socket #{i} lacks FD_CLOEXEC");
    }
}
