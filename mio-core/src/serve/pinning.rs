//! `Pinning`: which CPU each loop's thread runs on.

use std::io;

use crate::sys::affinity;

/// Which CPU each loop's thread is pinned to (`sched_setaffinity`; Linux
/// and Android only, elsewhere pinning is an `Unsupported` error).
///
/// Pinning keeps a loop, its caches and the memory it first touched (its
/// slab, buffers and sockets are allocated on its own thread) on one CPU.
/// It pays off when the machine runs little else; on a shared machine the
/// scheduler may do better unpinned.
///
/// # Examples
///
/// ```
/// use mio_core::serve::{LoopGroup, Pinning};
///
/// let mut group = LoopGroup::new("127.0.0.1:0".parse().unwrap());
/// group.threads(4).pinning(Pinning::Spread); // loop i on the i-th CPU we may use
/// group.pinning(Pinning::Cpus(vec![2, 3])); // loops 0 and 2 on CPU 2, 1 and 3 on CPU 3
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pinning {
    /// No pinning: the scheduler places the threads (the default).
    #[default]
    None,
    /// Loop `i` runs on the `i`-th CPU of those the process may use (its
    /// affinity mask when the group is spawned, as `taskset` sets it),
    /// wrapping around when there are more loops than CPUs.
    Spread,
    /// Loop `i` runs on CPU `cpus[i % cpus.len()]` (CPU numbers as the
    /// kernel counts them, below 1024).
    Cpus(Vec<usize>),
}

impl Pinning {
    /// The CPU of each of `threads` loops.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an empty CPU list; the OS error of reading the
    /// affinity mask for `Spread`.
    pub(crate) fn cpus(&self, threads: usize) -> io::Result<Vec<Option<usize>>> {
        let list = match self {
            Pinning::None => return Ok(vec![None; threads]),
            Pinning::Spread => affinity::allowed_cpus()?,
            Pinning::Cpus(list) => list.clone(),
        };
        if list.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "Pinning::Cpus needs at least one CPU"));
        }
        Ok((0..threads).map(|i| Some(list[i % list.len()])).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpus_wrap_around_the_list() {
        assert_eq!(Pinning::None.cpus(2).unwrap(), [None, None]);
        assert_eq!(Pinning::Cpus(vec![5, 7]).cpus(3).unwrap(), [Some(5), Some(7), Some(5)]);
        assert_eq!(Pinning::Cpus(vec![]).cpus(1).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn spread_takes_the_allowed_cpus_in_order() {
        let allowed = affinity::allowed_cpus().unwrap();
        let cpus = Pinning::Spread.cpus(allowed.len() + 1).unwrap();
        assert_eq!(cpus[..allowed.len()], allowed.iter().map(|&c| Some(c)).collect::<Vec<_>>()[..]);
        assert_eq!(cpus[allowed.len()], Some(allowed[0]));
    }
}
