//! `LoopConfig`: the machine loop's sizes.

use crate::EventLoopConfig;

/// Configuration of a machine [`Loop`](super::Loop): the event loop's own
/// configuration plus how many machines it holds.
///
/// # Examples
///
/// ```
/// use mio_core::machine::LoopConfig;
///
/// let mut config = LoopConfig::new();
/// config.machines(20_000).event_loop().timer_capacity(40_000);
/// ```
#[derive(Clone, Debug)]
pub struct LoopConfig {
    pub(crate) event_loop: EventLoopConfig,
    pub(crate) machines: usize,
    pub(crate) buffer_size: usize,
    pub(crate) buffers: usize,
}

impl Default for LoopConfig {
    fn default() -> LoopConfig {
        LoopConfig { event_loop: EventLoopConfig::default(), machines: 4_096, buffer_size: 16_384, buffers: 1_024 }
    }
}

impl LoopConfig {
    /// Defaults: 4,096 machines, 1,024 buffers of 16 KiB, and the default
    /// [`EventLoopConfig`].
    pub fn new() -> LoopConfig {
        LoopConfig::default()
    }

    /// How many machines may live at once (the slab is preallocated; a spawn
    /// beyond it calls `spawn_error`). Default 4,096.
    pub fn machines(&mut self, capacity: usize) -> &mut Self {
        self.machines = capacity;
        self
    }

    /// The stream layer's buffer pool: `count` chunks of `size` bytes,
    /// allocated once (lazily backed by the OS). A connection holds a chunk
    /// per direction only while it has partial data, so `count` bounds how
    /// many connections can be mid-message at once; `size` bounds a frame.
    /// Default: 1,024 chunks of 16 KiB.
    pub fn buffers(&mut self, size: usize, count: usize) -> &mut Self {
        self.buffer_size = size;
        self.buffers = count;
        self
    }

    /// The underlying event loop's configuration, to change in place.
    pub fn event_loop(&mut self) -> &mut EventLoopConfig {
        &mut self.event_loop
    }
}
