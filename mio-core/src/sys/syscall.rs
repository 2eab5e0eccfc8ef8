//! The one chokepoint every libc call goes through.

/// Calls a libc function and turns its `-1` return into `io::Error::last_os_error()`.
///
/// Every libc call in this crate goes through this macro, so `errno` handling is
/// written once. The call itself is `unsafe`; the caller states why it is sound in
/// a `// SAFETY:` comment above the macro use.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        #[allow(unused_unsafe, clippy::undocumented_unsafe_blocks)]
        let res = unsafe { libc::$fn($($arg),*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

pub(crate) use syscall;
