//! Making room for many fds without `unsafe` (util-linux's `prlimit`).

/// The soft and hard `RLIMIT_NOFILE`, from `/proc/self/limits`.
pub fn nofile_limits() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut fields = line["Max open files".len()..].split_whitespace();
    let parse = |s: &str| if s == "unlimited" { Some(u64::MAX) } else { s.parse().ok() };
    Some((parse(fields.next()?)?, parse(fields.next()?)?))
}

/// Raises the soft fd limit to the hard one if `needed` fds do not fit.
/// Returns why not, if they still do not fit.
pub fn ensure_fd_limit(needed: u64) -> Result<(), String> {
    let (soft, hard) = nofile_limits().ok_or("cannot read RLIMIT_NOFILE from /proc/self/limits")?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        return Err(format!("hard RLIMIT_NOFILE is {hard}, {needed} fds are needed"));
    }
    let status = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={hard}:{hard}"))
        .status()
        .map_err(|e| format!("cannot run prlimit to raise RLIMIT_NOFILE: {e}"))?;
    match nofile_limits() {
        Some((soft, _)) if soft >= needed => Ok(()),
        _ => Err(format!("prlimit ({status}) did not raise RLIMIT_NOFILE to {needed}")),
    }
}
