//! Knowing that another thread is blocked in poll, without sleeping.

use std::thread;
use std::time::{Duration, Instant};

/// This thread's `/proc` path (`/proc/<pid>/task/<tid>`), to hand to the
/// thread that waits for it to block.
pub fn current_thread() -> String {
    std::fs::read_link("/proc/thread-self").unwrap().to_string_lossy().into_owned()
}

/// Waits (boundedly, 10 s) until `thread` (a path from [`current_thread`])
/// sits in a poll system call: epoll_wait, epoll_pwait, epoll_pwait2, poll
/// or ppoll. Returns whether it was seen there; `false` at once where
/// `/proc/<tid>/syscall` numbers are not known (not Linux x86_64), so callers
/// must stay correct, only less sharp, then.
pub fn wait_until_blocked_in_poll(thread: &str) -> bool {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return false;
    }
    // x86_64: poll, ppoll, epoll_wait, epoll_pwait, epoll_pwait2.
    const POLL_WAITS: [&str; 5] = ["7", "271", "232", "281", "441"];
    let path = format!("{thread}/syscall");
    let give_up = Instant::now() + Duration::from_secs(10);
    while Instant::now() < give_up {
        let Ok(s) = std::fs::read_to_string(&path) else { return false };
        if s.split_whitespace().next().is_some_and(|nr| POLL_WAITS.contains(&nr)) {
            return true;
        }
        thread::yield_now();
    }
    false
}
