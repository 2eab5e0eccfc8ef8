//! Advice to the kernel about large preallocated tables.

/// The size of a transparent huge page on the targets that advise them.
#[cfg(any(target_os = "linux", target_os = "android"))]
const HUGE_PAGE: usize = 2 << 20;

/// Asks the kernel to back the whole 2 MiB pages inside `buf`'s allocation
/// (its capacity, used or not) with transparent huge pages.
///
/// For tables that are big and touched at random, such as the timer wheel's
/// entry slab: one TLB entry then maps 2 MiB instead of 4 KiB. Call it before
/// the memory is first written, so the pages are faulted in huge. It is only
/// advice: it changes no contents, and a kernel without transparent huge
/// pages (or with them disabled) ignores it, as do tables smaller than one
/// huge page and other operating systems. Returns whether the kernel took the
/// advice.
pub(crate) fn advise_huge_pages<T>(buf: &Vec<T>) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let start = buf.as_ptr() as usize;
        let end = start.saturating_add(buf.capacity().saturating_mul(std::mem::size_of::<T>()));
        let first = start.next_multiple_of(HUGE_PAGE);
        let last = end & !(HUGE_PAGE - 1);
        if last <= first {
            return false;
        }
        // SAFETY: [first, last) lies inside `buf`'s live allocation and is
        // page aligned; MADV_HUGEPAGE only changes how the kernel backs those
        // pages, never their contents, so no Rust reference is affected.
        super::syscall!(unsafe { libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_HUGEPAGE) }).is_ok()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = buf;
        false
    }
}

/// Hints the CPU to start loading the cache line of `value`, for a walk
/// that will read it soon but first has other work to overlap with the
/// miss. A no-op where there is no such instruction.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 (SSE, part of the x86_64 baseline) only hints the
    // cache; it never faults or changes memory, and the address comes from a
    // live reference anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::advise_huge_pages;

    #[test]
    fn a_table_smaller_than_a_huge_page_is_left_alone() {
        let v: Vec<u64> = Vec::with_capacity(1024);
        assert!(!advise_huge_pages(&v));
        let empty: Vec<u64> = Vec::new();
        assert!(!advise_huge_pages(&empty));
    }

    #[test]
    fn advice_on_a_big_table_changes_no_contents() {
        let mut v: Vec<u64> = Vec::with_capacity(1 << 20); // 8 MiB
        v.extend(0..1000);
        // Taken or not depends on the kernel's settings; it must not fail loudly.
        let _ = advise_huge_pages(&v);
        v.extend(1000..1 << 20);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
    }
}
