//! `Broadcast<T>`: one ring of values that many machines of a loop read,
//! each at its own pace.

use std::fmt;

use super::{Address, Scope};

/// A broadcast channel between machines of one loop: a ring of the last
/// `capacity` values published, and per subscriber how far it has read.
/// The loop's context keeps it; machines use it through
/// [`Scope::subscribe`], [`Scope::publish`] and [`Scope::read_broadcast`]
/// (the context implements `AsMut<Broadcast<T>>`).
///
/// - **O(receivers) per value, no allocation**: publishing stores the value
///   once (in the ring, allocated in [`new`](Broadcast::new)) and
///   [wakes](Scope::wake) each subscriber, whose wake-ups coalesce; readers
///   get `&T`, nothing is cloned.
/// - **A slow reader lags, with a counted loss**: the ring never grows.
///   A subscriber that has not read a value before `capacity` newer ones
///   were published loses it: its next read is [`Lagged`] with how many it
///   lost, and it goes on from the oldest value kept. (It is not dropped:
///   whether to end it is the reader's choice; the chat example ends a
///   connection that lags.)
/// - **A publisher does not read its own values**: they are skipped when
///   it reads, and a publisher that had read everything before its value
///   is moved past it, so a machine that talks much and reads little does
///   not lag on its own values.
///   A machine that may publish more than `capacity` values in one
///   callback (a client pasting a long text) should read what it has not
///   read before it publishes, or it pushes the others' values out of the
///   ring unread and lags on them.
/// - **Subscribers that ended are dropped**, at the next publish (their
///   address is stale); a new machine of the same slot is not subscribed
///   until it subscribes itself.
///
/// Memory: `capacity` values of `T` (each with its publisher's address),
/// and 36 bytes per machine slot.
///
/// # Examples
///
/// ```
/// use mio_core::machine::{Broadcast, Created, Loop, LoopConfig, Machine, Response, Scope};
/// use mio_core::EventSet;
///
/// struct Room {
///     news: Broadcast<&'static str>,
///     heard: Vec<&'static str>,
/// }
///
/// impl AsMut<Broadcast<&'static str>> for Room {
///     fn as_mut(&mut self) -> &mut Broadcast<&'static str> {
///         &mut self.news
///     }
/// }
///
/// struct Listener;
///
/// impl Machine for Listener {
///     type Context = Room;
///     type Seed = ();
///     fn create(_: (), scope: &mut Scope<'_, Room>) -> Created<Listener> {
///         scope.subscribe::<&'static str>().expect("a slot for every machine");
///         Created::ok(Listener)
///     }
///     fn ready(self, _: EventSet, _: &mut Scope<'_, Room>) -> Response<Listener, ()> {
///         Response::ok(self)
///     }
///     fn timeout(self, _: &mut Scope<'_, Room>) -> Response<Listener, ()> {
///         Response::ok(self)
///     }
///     fn wakeup(self, scope: &mut Scope<'_, Room>) -> Response<Listener, ()> {
///         let mut news = Vec::new();
///         let read = scope.read_broadcast(|line: &&'static str| {
///             news.push(*line);
///             true // taken; `false` leaves it for the next read
///         });
///         assert_eq!(read, Ok(1));
///         scope.heard.extend(news);
///         scope.shutdown_loop();
///         Response::ok(self)
///     }
/// }
///
/// let config = LoopConfig::new();
/// let room = Room { news: Broadcast::new(config.machine_capacity(), 16), heard: Vec::new() };
/// let mut lp = Loop::<Listener>::new(&config)?.instantiate(room);
/// lp.add_machine_with(|scope| Listener::create((), scope))?;
/// lp.add_machine_with(|scope| {
///     assert_eq!(scope.publish("hello"), 1, "one subscriber woken");
///     Created::ok(Listener)
/// })?;
/// lp.run()?;
/// assert_eq!(lp.context().heard, ["hello"]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Broadcast<T> {
    /// Value `seq` is at `seq % capacity`, for the last `capacity` ones.
    ring: Vec<Option<Entry<T>>>,
    /// The sequence number the next value gets.
    next: u64,
    /// Per slot: its subscriber, if any.
    subscribers: Vec<Option<Subscriber>>,
    /// The slots with a subscriber, for O(subscribers) publishing.
    subscribed: Vec<u32>,
}

/// A value and who published it.
#[derive(Debug)]
struct Entry<T> {
    from: Option<Address>,
    value: T,
}

#[derive(Copy, Clone, Debug)]
struct Subscriber {
    generation: u32,
    /// The sequence number of the next value it reads.
    cursor: u64,
    /// Its place in `subscribed`.
    index: u32,
}

/// A subscriber fell more than the ring's capacity behind: it lost this
/// many values (the oldest it had not read), and reads on from the oldest
/// value kept. What [`Scope::read_broadcast`] returns for a slow reader.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Lagged(pub u64);

impl fmt::Display for Lagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fell behind the broadcast: {} values lost", self.0)
    }
}

impl std::error::Error for Lagged {}

/// [`Scope::subscribe`] failed: the [`Broadcast`] was made for fewer
/// machines than the loop holds (see
/// [`LoopConfig::machine_capacity`](super::LoopConfig::machine_capacity)).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct NoSlot;

impl fmt::Display for NoSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the broadcast has no slot for this machine's token")
    }
}

impl std::error::Error for NoSlot {}

impl<T> Broadcast<T> {
    /// A broadcast for a loop of `machines` slots (its
    /// [`LoopConfig::machine_capacity`](super::LoopConfig::machine_capacity))
    /// keeping the last `capacity` values (at least 1), all allocated now.
    pub fn new(machines: usize, capacity: usize) -> Broadcast<T> {
        let machines = machines.min(u32::MAX as usize);
        let mut ring = Vec::with_capacity(capacity.max(1));
        ring.resize_with(capacity.max(1), || None);
        Broadcast { ring, next: 0, subscribers: vec![None; machines], subscribed: Vec::with_capacity(machines) }
    }

    /// How many machines are subscribed (those that ended included, until
    /// the next publish drops them).
    pub fn subscribers(&self) -> usize {
        self.subscribed.len()
    }

    /// How many values the ring keeps.
    pub fn capacity(&self) -> usize {
        self.ring.len()
    }

    /// How many values were published so far.
    pub fn published(&self) -> u64 {
        self.next
    }

    /// Whether the machine at `address` is subscribed.
    pub fn is_subscribed(&self, address: Address) -> bool {
        self.subscriber(address).is_some()
    }

    /// How many values the machine at `address` has not read (lost ones
    /// included, its own not excluded); 0 if it is not subscribed.
    pub fn unread(&self, address: Address) -> u64 {
        self.subscriber(address).map_or(0, |s| self.next - s.cursor)
    }

    fn subscriber(&self, address: Address) -> Option<&Subscriber> {
        self.subscribers.get(address.slot())?.as_ref().filter(|s| s.generation == address.generation())
    }

    /// Subscribes `address` from the next value published on.
    fn subscribe(&mut self, address: Address) -> Result<(), NoSlot> {
        let slot = address.slot();
        let entry = self.subscribers.get_mut(slot).ok_or(NoSlot)?;
        let index = match entry {
            Some(old) => old.index, // a stale subscriber of the slot: replaced in place
            None => {
                self.subscribed.push(slot as u32);
                (self.subscribed.len() - 1) as u32
            }
        };
        *entry = Some(Subscriber { generation: address.generation(), cursor: self.next, index });
        Ok(())
    }

    /// Unsubscribes `address` (nothing if it is not subscribed).
    fn unsubscribe(&mut self, address: Address) {
        if self.is_subscribed(address) {
            self.remove(address.slot());
        }
    }

    fn remove(&mut self, slot: usize) {
        let Some(gone) = self.subscribers[slot].take() else { return };
        self.subscribed.swap_remove(gone.index as usize);
        if let Some(&moved) = self.subscribed.get(gone.index as usize) {
            if let Some(s) = self.subscribers[moved as usize].as_mut() {
                s.index = gone.index;
            }
        }
    }

    /// Stores `value` (dropping the oldest if the ring is full) and moves
    /// `from`, if it had read everything, past it.
    fn push(&mut self, from: Option<Address>, value: T) {
        let seq = self.next;
        let capacity = self.ring.len() as u64;
        self.ring[(seq % capacity) as usize] = Some(Entry { from, value });
        self.next += 1;
        if let Some(s) =
            from.and_then(|a| self.subscribers.get_mut(a.slot())?.as_mut().filter(|s| s.generation == a.generation()))
        {
            if s.cursor == seq {
                s.cursor = seq + 1;
            }
        }
    }

    /// The `i`th subscribed slot's address.
    fn subscribed_address(&self, i: usize) -> Address {
        let slot = self.subscribed[i] as usize;
        let generation = self.subscribers[slot].as_ref().map_or(0, |s| s.generation);
        Address::new(slot, generation)
    }

    /// Hands `f` the values `me` has not read, oldest first, until `f`
    /// returns `false` (that value stays unread); skips `me`'s own values.
    fn read(&mut self, me: Address, mut f: impl FnMut(&T) -> bool) -> Result<usize, Lagged> {
        let capacity = self.ring.len() as u64;
        let oldest = self.next.saturating_sub(capacity);
        let Some(s) =
            self.subscribers.get_mut(me.slot()).and_then(|s| s.as_mut()).filter(|s| s.generation == me.generation())
        else {
            return Ok(0);
        };
        if s.cursor < oldest {
            let lost = oldest - s.cursor;
            s.cursor = oldest;
            return Err(Lagged(lost));
        }
        let mut read = 0;
        while s.cursor < self.next {
            let Some(entry) = self.ring[(s.cursor % capacity) as usize].as_ref() else { break };
            if entry.from != Some(me) {
                if !f(&entry.value) {
                    break;
                }
                read += 1;
            }
            s.cursor += 1;
        }
        Ok(read)
    }
}

impl<T> fmt::Debug for Broadcast<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broadcast")
            .field("capacity", &self.ring.len())
            .field("published", &self.next)
            .field("subscribers", &self.subscribed.len())
            .finish_non_exhaustive()
    }
}

impl<C> Scope<'_, C> {
    /// Subscribes this machine to the context's [`Broadcast<T>`]: it is
    /// woken for every value published from now on (by others), and reads
    /// them with [`read_broadcast`](Scope::read_broadcast). Subscribing
    /// again starts over from the next value.
    ///
    /// # Errors
    ///
    /// [`NoSlot`] if the broadcast was made for fewer machines than the
    /// loop holds.
    pub fn subscribe<T>(&mut self) -> Result<(), NoSlot>
    where
        C: AsMut<Broadcast<T>>,
    {
        let me = self.address();
        AsMut::<Broadcast<T>>::as_mut(&mut *self.context).subscribe(me)
    }

    /// Ends this machine's subscription (its unread values are forgotten).
    /// A machine that ends need not call it: the next publish drops it.
    pub fn unsubscribe<T>(&mut self)
    where
        C: AsMut<Broadcast<T>>,
    {
        let me = self.address();
        AsMut::<Broadcast<T>>::as_mut(&mut *self.context).unsubscribe(me);
    }

    /// Publishes `value` to every subscriber of the context's
    /// [`Broadcast<T>`] and [wakes](Scope::wake) each but this machine;
    /// subscribers that have ended are dropped. Returns how many were
    /// woken. No allocation; O(subscribers).
    pub fn publish<T>(&mut self, value: T) -> usize
    where
        C: AsMut<Broadcast<T>>,
    {
        let me = self.address();
        let broadcast = AsMut::<Broadcast<T>>::as_mut(&mut *self.context);
        broadcast.push(Some(me), value);
        let (mut i, mut woken) = (0, 0);
        while i < broadcast.subscribed.len() {
            let to = broadcast.subscribed_address(i);
            if to == me {
                i += 1;
            } else if self.core.wakes.wake(to).is_ok() {
                woken += 1;
                i += 1;
            } else {
                // Ended: the last subscriber moves to `i`.
                broadcast.remove(to.slot());
            }
        }
        woken
    }

    /// Hands `f` the values published to the context's [`Broadcast<T>`]
    /// that this machine has not read, oldest first, and returns how many
    /// `f` took. `f` returns `false` to stop: that value stays unread (no
    /// room for it now, say), and the next read starts with it. This
    /// machine's own values are skipped. 0 if it is not subscribed.
    ///
    /// # Errors
    ///
    /// [`Lagged`]: more than the ring's capacity were published since this
    /// machine last read; the count is how many it lost. Nothing was handed
    /// to `f`; the next read goes on from the oldest value kept.
    pub fn read_broadcast<T>(&mut self, f: impl FnMut(&T) -> bool) -> Result<usize, Lagged>
    where
        C: AsMut<Broadcast<T>>,
    {
        let me = self.address();
        AsMut::<Broadcast<T>>::as_mut(&mut *self.context).read(me, f)
    }
}

#[cfg(test)]
#[path = "broadcast_tests.rs"]
mod tests;
