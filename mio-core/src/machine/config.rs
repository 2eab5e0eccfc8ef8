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
    pub(crate) queued_per_connection: usize,
    pub(crate) queued_values: usize,
}

impl Default for LoopConfig {
    fn default() -> LoopConfig {
        LoopConfig {
            event_loop: EventLoopConfig::default(),
            machines: 4_096,
            buffer_size: 16_384,
            buffers: 1_024,
            queued_per_connection: 8,
            queued_values: 4_096,
        }
    }
}

impl LoopConfig {
    /// Defaults: 4,096 machines, 1,024 buffers of 16 KiB, 4,096 queued
    /// values (8 per connection), and the default [`EventLoopConfig`].
    pub fn new() -> LoopConfig {
        LoopConfig::default()
    }

    /// How many machines may live at once (the slab is preallocated; a spawn
    /// beyond it calls `spawn_error`). Default 4,096.
    ///
    /// Every machine may hold a deadline, so keep the event loop's
    /// [`timer_capacity`](crate::EventLoopConfig::timer_capacity) at least
    /// this large: a deadline the timer cannot take ends its machine with an
    /// `OutOfMemory` error ("timer capacity exhausted") — a listener backing
    /// off from `EMFILE` included.
    pub fn machines(&mut self, capacity: usize) -> &mut Self {
        self.machines = capacity;
        self
    }

    /// How many machines may live at once: what tables kept per machine
    /// slot ([`Mailboxes`](super::Mailboxes), [`Broadcast`](super::Broadcast))
    /// are sized by.
    pub fn machine_capacity(&self) -> usize {
        self.machines
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

    /// The stream layer's table of queued output values
    /// ([`Output::queue`](crate::stream::Output::queue)): `total` entries for
    /// the whole loop, allocated once, of which one connection holds at most
    /// `per_connection` (1 to 16; clamped). A full queue hands the value back
    /// to the protocol, which expects a flush and queues it again: that is
    /// the backpressure. Default: 4,096 entries, 8 per connection.
    pub fn queued_values(&mut self, per_connection: usize, total: usize) -> &mut Self {
        self.queued_per_connection = per_connection;
        self.queued_values = total;
        self
    }

    /// The underlying event loop's configuration, to change in place.
    pub fn event_loop(&mut self) -> &mut EventLoopConfig {
        &mut self.event_loop
    }
}
