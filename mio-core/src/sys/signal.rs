//! Signal delivery through a self-pipe: the handler writes the signal number
//! to a pipe the loop can poll.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use crate::sys::{pipe::new_pipe, syscall};

/// The write end the handler writes to; -1 when no `Signals` exists.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The signal handler: one `write(2)` of the signal number, errno kept.
extern "C" fn on_signal(signo: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd < 0 {
        return;
    }
    let saved = io::Error::last_os_error().raw_os_error();
    let byte = signo as u8;
    // A full pipe drops the byte: the reader wakes up for the earlier ones.
    // SAFETY: writes one byte from a live local to the pipe in WRITE_FD
    // (write(2) is async-signal-safe); `SignalPipe` resets WRITE_FD before
    // it closes that pipe.
    let _ = syscall!(unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) });
    if let Some(errno) = saved {
        set_errno(errno);
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_errno(value: i32) {
    // SAFETY: __errno_location returns this thread's errno slot, valid for writes.
    unsafe { *libc::__errno_location() = value };
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_errno(_value: i32) {}

/// Handlers installed for some signals, writing to a pipe; removed on drop.
#[derive(Debug)]
pub(crate) struct SignalPipe {
    /// Kept open while handlers may write to it; closed on drop.
    _write: OwnedFd,
    signals: [i32; 8],
    count: usize,
}

impl SignalPipe {
    /// Installs handlers for `signals` and returns the pipe's read end.
    ///
    /// Errors: `InvalidInput` for more than 8 signals or one that cannot be
    /// caught (`SIGKILL`, `SIGSTOP`, out of range); `AlreadyExists` if another
    /// `SignalPipe` is alive in this process; the OS error of `pipe2` or
    /// `sigaction`.
    pub(crate) fn install(signals: &[i32]) -> io::Result<(SignalPipe, OwnedFd)> {
        let invalid = |m| io::Error::new(io::ErrorKind::InvalidInput, m);
        if signals.len() > 8 {
            return Err(invalid("at most 8 signals"));
        }
        if signals.iter().any(|&s| s <= 0 || s >= 65 || s == libc::SIGKILL || s == libc::SIGSTOP) {
            return Err(invalid("signal cannot be caught"));
        }
        let (read, write) = new_pipe()?;
        if WRITE_FD.compare_exchange(-1, write.as_raw_fd(), Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "signals are already being received"));
        }
        let mut pipe = SignalPipe { _write: write, signals: [0; 8], count: 0 };
        for &signo in signals {
            set_handler(signo, on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t)?;
            pipe.signals[pipe.count] = signo;
            pipe.count += 1;
        }
        Ok((pipe, read))
    }
}

impl Drop for SignalPipe {
    fn drop(&mut self) {
        for &signo in &self.signals[..self.count] {
            let _ = set_handler(signo, libc::SIG_DFL);
        }
        WRITE_FD.store(-1, Ordering::Release);
        // `_write` closes after this body, when no handler can reach it.
    }
}

fn set_handler(signo: i32, handler: libc::sighandler_t) -> io::Result<()> {
    // SAFETY: sigaction is plain data; zeroed is a valid empty value.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: `action.sa_mask` is a valid sigset_t to initialise.
    syscall!(unsafe { libc::sigemptyset(&mut action.sa_mask) })?;
    // SAFETY: `action` is a fully initialised sigaction that outlives the
    // call, and the old action's pointer may be null.
    syscall!(unsafe { libc::sigaction(signo, &action, std::ptr::null_mut()) }).map(drop)
}
