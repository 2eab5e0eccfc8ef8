//! A counting global allocator for the zero-allocation tests, shared by the
//! test binaries that install it (a subdirectory, so Cargo does not build it
//! as a test binary of its own).
//!
//! Each binary installs it with
//!
//! ```ignore
//! mod alloc_counter;
//!
//! #[global_allocator]
//! static GLOBAL: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;
//! ```
//!
//! and measures with [`allocations_in`]. Counting is per thread: a window
//! counts the `alloc`, `alloc_zeroed` and `realloc` calls of the thread that
//! opened it, never those of the test harness or of tests running in parallel
//! on other threads. A test whose work spans threads opens a window on each
//! of them and adds up the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// `Some(n)` while this thread's window is open, `n` allocations so far;
    /// `None` otherwise. `const`, `Copy` and without a destructor, so reading
    /// or writing it never allocates.
    static WINDOW: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note_allocation() {
    // `try_with` cannot fail for a const thread-local without a destructor;
    // were it to, the allocation simply goes uncounted.
    let _ = WINDOW.try_with(|w| {
        if let Some(n) = w.get() {
            w.set(Some(n + 1));
        }
    });
}

/// The system allocator, counting the calling thread's allocations while its
/// window is open.
#[derive(Debug)]
pub struct CountingAllocator;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; counting touches only a const
// thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: `ptr` came from `System` through this allocator with `layout`;
        // the caller upholds `realloc`'s contract for `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` and returns how many allocations (`alloc`, `alloc_zeroed`,
/// `realloc`) it made on the calling thread. Windows nest: an inner window's
/// allocations count in the outer one too.
pub fn allocations_in(f: impl FnOnce()) -> usize {
    let outer = WINDOW.replace(Some(0));
    f();
    let inner = WINDOW.get().unwrap_or(0);
    WINDOW.set(outer.map(|n| n + inner));
    inner
}
