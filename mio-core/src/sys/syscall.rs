//! The one chokepoint every libc call goes through.

/// Runs a libc call and turns its `-1` return into `io::Error::last_os_error()`.
///
/// Every libc call in this crate goes through this macro, so `errno` handling
/// is written once. The caller writes the `unsafe { libc::f(..) }` block
/// itself, with a `// SAFETY:` comment above the line, saying why the call is
/// sound (what each pointer points to, for how long, and how many bytes the
/// kernel may read or write through it):
///
/// ```ignore
/// // SAFETY: reads at most `buf.len()` bytes into the local buffer.
/// let n = syscall!(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })?;
/// ```
///
/// The block is the caller's, not the macro's, so clippy's
/// `undocumented_unsafe_blocks` (denied in CI) checks that comment at each
/// call site; a macro that wrapped the call in its own `unsafe` could only be
/// documented once, in its body, for every call.
macro_rules! syscall {
    ($call:expr) => {{
        let res = $call;
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

pub(crate) use syscall;
