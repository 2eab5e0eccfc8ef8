//! `pipe()`: a non-blocking pipe pair.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};

use crate::io_source::IoSource;
use crate::sys;

/// Creates a pipe, both ends `O_NONBLOCK | O_CLOEXEC`.
///
/// # Errors
///
/// The OS error of `pipe2` (e.g. `EMFILE`).
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use mio_core::unix::pipe;
///
/// let (mut r, mut w) = pipe()?;
/// w.write_all(b"hi")?;
/// let mut buf = [0; 8];
/// assert_eq!(r.read(&mut buf)?, 2);
/// assert_eq!(r.read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn pipe() -> io::Result<(PipeReader, PipeWriter)> {
    let (r, w) = sys::pipe::new_pipe()?;
    Ok((PipeReader { inner: IoSource::new(File::from(r)) }, PipeWriter { inner: IoSource::new(File::from(w)) }))
}

macro_rules! pipe_end {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug)]
        pub struct $name {
            inner: IoSource<File>,
        }

        impl $name {
            /// Wraps an fd the caller owns; it should be non-blocking.
            pub fn from_owned_fd(fd: OwnedFd) -> $name {
                $name { inner: IoSource::new(File::from(fd)) }
            }

            /// Duplicates the fd (`F_DUPFD_CLOEXEC`); the copy is not registered.
            ///
            /// # Errors
            ///
            /// The OS error of `fcntl` (e.g. `EMFILE`).
            pub fn try_clone(&self) -> io::Result<$name> {
                Ok($name::from_owned_fd(self.inner.get_ref().as_fd().try_clone_to_owned()?))
            }
        }

        crate::io_source::impl_source_traits!($name, File);
    };
}

pipe_end!(PipeReader, "The reading end of a [`pipe`]. `read` returns `WouldBlock` when empty.");
pipe_end!(PipeWriter, "The writing end of a [`pipe`]. `write` returns `WouldBlock` when full.");

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|f| (&*f).read(buf))
    }
}

impl Read for &PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|f| (&*f).read(buf))
    }
}

impl Write for PipeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|f| (&*f).write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for &PipeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|f| (&*f).write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
