//! Zero allocations in steady state for messages between machines of one
//! loop: after a warm-up, thousands of mailbox messages bounced between two
//! machines, local wake-ups, and broadcast values read by eight subscribers
//! allocate nothing.

use std::time::Duration;

use mio::machine::{Address, Broadcast, Created, Loop, LoopConfig, LoopInstance, Machine, Mailboxes, Response, Scope};
use mio::EventSet;

use crate::alloc_counter::allocations_in;

struct Ctx {
    mail: Mailboxes<u64>,
    news: Broadcast<[u8; 64]>,
    /// The two bouncers.
    bouncers: [Option<Address>; 2],
    bounced: u64,
    read: u64,
}

impl AsMut<Mailboxes<u64>> for Ctx {
    fn as_mut(&mut self) -> &mut Mailboxes<u64> {
        &mut self.mail
    }
}

impl AsMut<Broadcast<[u8; 64]>> for Ctx {
    fn as_mut(&mut self) -> &mut Broadcast<[u8; 64]> {
        &mut self.news
    }
}

/// A bouncer sends every number it gets, plus one, to the other bouncer,
/// and publishes one value per number; listeners read what is published.
enum Player {
    Bouncer(usize),
    Listener,
}

impl Machine for Player {
    type Context = Ctx;
    type Seed = ();

    fn create(_: (), scope: &mut Scope<'_, Ctx>) -> Created<Player> {
        scope.subscribe::<[u8; 64]>().unwrap();
        Created::ok(Player::Listener)
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Ctx>) -> Response<Player, ()> {
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, Ctx>) -> Response<Player, ()> {
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Ctx>) -> Response<Player, ()> {
        match self {
            Player::Bouncer(me) => {
                let other = scope.bouncers[1 - me].unwrap();
                while let Some(n) = scope.next_message::<u64>() {
                    scope.bounced += 1;
                    scope.send_to(other, n + 1).unwrap();
                    scope.publish([n as u8; 64]);
                    scope.wake(other).unwrap(); // coalesces with the send's
                }
            }
            Player::Listener => {
                let mut read = 0;
                scope
                    .read_broadcast(|v: &[u8; 64]| {
                        read += u64::from(v[0] == v[63]);
                        true
                    })
                    .unwrap();
                scope.read += read;
            }
        }
        Response::ok(self)
    }
}

#[test]
fn messages_wakeups_and_broadcasts_allocate_nothing() {
    let mut config = LoopConfig::new();
    config.machines(16);
    let ctx = Ctx {
        mail: Mailboxes::new(config.machine_capacity(), 4),
        news: Broadcast::new(config.machine_capacity(), 8),
        bouncers: [None; 2],
        bounced: 0,
        read: 0,
    };
    let mut lp = Loop::<Player>::new(&config).unwrap().instantiate(ctx);
    for _ in 0..8 {
        lp.add_machine_with(|scope| Player::create((), scope)).unwrap();
    }
    for me in 0..2 {
        let bouncer = lp.add_machine_with(|_| Created::ok(Player::Bouncer(me))).unwrap();
        lp.context_mut().bouncers[me] = Some(bouncer);
    }
    let first = lp.context().bouncers[0].unwrap();
    lp.add_machine_with(|scope| {
        scope.send_to(first, 0).unwrap();
        Created::error(mio::machine::MachineError::new(std::io::ErrorKind::Other, "a scope only"))
    })
    .unwrap_err();
    let turns = |lp: &mut LoopInstance<Player>, n: usize| {
        for _ in 0..n {
            lp.run_once(Some(Duration::ZERO)).unwrap();
        }
    };
    turns(&mut lp, 100);
    let (bounced, read) = (lp.context().bounced, lp.context().read);
    let allocations = allocations_in(|| turns(&mut lp, 10_000));
    assert_eq!(allocations, 0);
    assert_eq!(lp.context().bounced - bounced, 10_000, "one bounce a turn");
    assert!(lp.context().read - read >= 8 * 9_000, "every listener reads");
    assert_eq!((lp.counters().messages(), lp.counters().waker_writes()), (0, 0), "nothing went through the channel");
}
