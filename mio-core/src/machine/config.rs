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
}

impl Default for LoopConfig {
    fn default() -> LoopConfig {
        LoopConfig { event_loop: EventLoopConfig::default(), machines: 4_096 }
    }
}

impl LoopConfig {
    /// Defaults: 4,096 machines and the default [`EventLoopConfig`].
    pub fn new() -> LoopConfig {
        LoopConfig::default()
    }

    /// How many machines may live at once (the slab is preallocated; a spawn
    /// beyond it calls `spawn_error`). Default 4,096.
    pub fn machines(&mut self, capacity: usize) -> &mut Self {
        self.machines = capacity;
        self
    }

    /// The underlying event loop's configuration, to change in place.
    pub fn event_loop(&mut self) -> &mut EventLoopConfig {
        &mut self.event_loop
    }
}
