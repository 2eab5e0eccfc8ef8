//! CPU affinity of the calling thread (`sched_setaffinity(2)` /
//! `sched_getaffinity(2)` on Linux and Android; `Unsupported` elsewhere).
//!
//! The mask is our own array of words, laid out as the kernel's `cpu_set_t`
//! (bit `i` of word `i / bits-per-word` is CPU `i`), so setting a bit needs no
//! `unsafe`; only the two calls do.

use std::io;

/// How many CPUs a mask covers: glibc's `CPU_SETSIZE`.
pub(crate) const MAX_CPUS: usize = 1024;

const WORD_BITS: usize = libc::c_ulong::BITS as usize;

/// A CPU mask with the kernel's layout.
#[derive(Clone, Copy)]
#[repr(C)]
struct CpuMask([libc::c_ulong; MAX_CPUS / WORD_BITS]);

impl CpuMask {
    fn empty() -> CpuMask {
        CpuMask([0; MAX_CPUS / WORD_BITS])
    }

    fn set(&mut self, cpu: usize) {
        self.0[cpu / WORD_BITS] |= 1 << (cpu % WORD_BITS);
    }

    fn contains(&self, cpu: usize) -> bool {
        self.0[cpu / WORD_BITS] & (1 << (cpu % WORD_BITS)) != 0
    }
}

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
    let mut mask = CpuMask::empty();
    mask.set(cpu);
    set_affinity(&mask)
}

/// The CPUs the calling thread may run on, in increasing order.
///
/// # Errors
///
/// The OS error of `sched_getaffinity` (`InvalidInput` if the kernel's mask
/// is larger than [`MAX_CPUS`] bits); `Unsupported` where the OS has none.
pub(crate) fn allowed_cpus() -> io::Result<Vec<usize>> {
    let mask = get_affinity()?;
    Ok((0..MAX_CPUS).filter(|&cpu| mask.contains(cpu)).collect())
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_affinity(mask: &CpuMask) -> io::Result<()> {
    let size = std::mem::size_of::<CpuMask>();
    let ptr = (mask as *const CpuMask).cast::<libc::cpu_set_t>();
    // SAFETY: `ptr` points to `size` readable bytes laid out as `cpu_set_t`
    // (an array of words, as aligned); the kernel only reads them; pid 0 is
    // the calling thread.
    super::syscall!(unsafe { libc::sched_setaffinity(0, size, ptr) }).map(drop)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn get_affinity() -> io::Result<CpuMask> {
    let mut mask = CpuMask::empty();
    let size = std::mem::size_of::<CpuMask>();
    let ptr = (&mut mask as *mut CpuMask).cast::<libc::cpu_set_t>();
    // SAFETY: `ptr` points to `size` writable bytes laid out as `cpu_set_t`;
    // the kernel writes at most `size` bytes; pid 0 is the calling thread.
    super::syscall!(unsafe { libc::sched_getaffinity(0, size, ptr) })?;
    Ok(mask)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_affinity(_: &CpuMask) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "thread CPU affinity is not supported on this OS"))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn get_affinity() -> io::Result<CpuMask> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "thread CPU affinity is not supported on this OS"))
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn mask_bits_follow_the_kernel_layout() {
        let mut mask = CpuMask::empty();
        mask.set(0);
        mask.set(WORD_BITS + 1);
        mask.set(MAX_CPUS - 1);
        assert_eq!(mask.0[0], 1);
        assert_eq!(mask.0[1], 2);
        assert!(mask.contains(MAX_CPUS - 1) && !mask.contains(2));
        assert_eq!(std::mem::size_of::<CpuMask>(), MAX_CPUS / 8);
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
