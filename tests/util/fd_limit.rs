//! Making room for many fds (`getrlimit`/`setrlimit` through nix).

use nix::sys::resource::{getrlimit, setrlimit, Resource};

/// The soft and hard `RLIMIT_NOFILE`.
pub fn nofile_limits() -> Option<(u64, u64)> {
    getrlimit(Resource::RLIMIT_NOFILE).ok()
}

/// Raises the soft fd limit to the hard one if `needed` fds do not fit.
/// Returns why not, if they still do not fit.
pub fn ensure_fd_limit(needed: u64) -> Result<(), String> {
    let (soft, hard) = nofile_limits().ok_or("cannot read RLIMIT_NOFILE")?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        return Err(format!("hard RLIMIT_NOFILE is {hard}, {needed} fds are needed"));
    }
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|e| format!("cannot raise RLIMIT_NOFILE to {hard}: {e}"))
}
