//! CPU affinity of the calling thread (`sched_setaffinity(2)` /
//! `sched_getaffinity(2)` on Linux and Android; `Unsupported` elsewhere).
//!
//! Through nix: its `CpuSet` is the kernel's `cpu_set_t` on the stack, and
//! each call is the one syscall, so nothing is added over libc on a path
//! that runs once per thread.

use std::io;

/// How many CPUs a mask covers: glibc's `CPU_SETSIZE`.
pub(crate) const MAX_CPUS: usize = 1024;

/// Pins the calling thread to `cpu` alone.
///
/// # Errors
///
/// `InvalidInput` for a CPU at or above [`MAX_CPUS`], or one this process
/// may not use (`EINVAL` from the kernel); `Unsupported` where the OS has no
/// `sched_setaffinity`.
pub(crate) fn pin_current_thread(cpu: usize) -> io::Result<()> {
    if cpu >= MAX_CPUS {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "CPU number above 1023"));
    }
    imp::pin(cpu)
}

/// The CPUs the calling thread may run on, in increasing order.
///
/// # Errors
///
/// The OS error of `sched_getaffinity` (`InvalidInput` if the kernel's mask
/// is larger than [`MAX_CPUS`] bits); `Unsupported` where the OS has none.
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    imp::allowed()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    use std::io;

    use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
    use nix::unistd::Pid;

    /// Pid 0: the calling thread.
    const THIS_THREAD: Pid = Pid::from_raw(0);

    pub(super) fn pin(cpu: usize) -> io::Result<()> {
        let mut mask = CpuSet::new();
        mask.set(cpu)?;
        Ok(sched_setaffinity(THIS_THREAD, &mask)?)
    }

    pub(super) fn allowed() -> io::Result<Vec<usize>> {
        let mask = sched_getaffinity(THIS_THREAD)?;
        let max = CpuSet::count().min(super::MAX_CPUS);
        Ok((0..max).filter(|&cpu| mask.is_set(cpu).unwrap_or(false)).collect())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod imp {
    use std::io;

    fn unsupported() -> io::Error {
        io::Error::new(io::ErrorKind::Unsupported, "thread CPU affinity is not supported on this OS")
    }

    pub(super) fn pin(_cpu: usize) -> io::Result<()> {
        Err(unsupported())
    }

    pub(super) fn allowed() -> io::Result<Vec<usize>> {
        Err(unsupported())
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn the_mask_covers_max_cpus() {
        assert_eq!(nix::sched::CpuSet::count(), MAX_CPUS);
    }

    #[test]
    fn a_thread_pins_to_an_allowed_cpu_and_reads_it_back() {
        let allowed = allowed_cpus().unwrap();
        assert!(!allowed.is_empty());
        let cpu = *allowed.last().unwrap();
        // On a thread of its own: the test thread's affinity stays as it was.
        let seen = std::thread::spawn(move || {
            pin_current_thread(cpu).unwrap();
            allowed_cpus().unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(seen, vec![cpu]);
        assert_eq!(pin_current_thread(MAX_CPUS).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }
}
