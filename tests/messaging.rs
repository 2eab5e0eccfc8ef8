//! Messages between machines of one loop, on a real loop: addresses,
//! local wake-ups, mailboxes and broadcast. Every wait is a bounded number
//! of turns; the watchdog turns a poll that blocks (a local wake-up that
//! did not keep the loop awake) into a failure.

mod util;

use std::time::Duration;

use mio::machine::{
    Address, Broadcast, Created, Gone, Lagged, LoopConfig, LoopInstance, Machine, MachineError, Mailboxes, Response,
    Scope, SendError,
};
use mio::EventSet;
use util::Watchdog;

/// A message: who sent it, and its number in that sender's sequence.
type Msg = (u32, u32);

/// Ends the receiver.
const QUIT: u32 = u32::MAX;

/// Makes the receiver spawn a child (its id plus one), which it sends
/// `(id, 1)` once the child exists.
const SPAWN: u32 = u32::MAX - 1;

/// What the machines saw.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// `node` got `msg`.
    Message(u32, Msg),
    /// `node`'s wakeup ran.
    Woken(u32),
    /// `node` read `value` from the broadcast.
    News(u32, u32),
    /// `node` lagged behind the broadcast by this many values.
    Lagged(u32, u64),
    /// `node`'s deadline passed.
    Timeout(u32),
}

struct Context {
    mail: Mailboxes<Msg>,
    news: Broadcast<u32>,
    seen: Vec<Seen>,
}

impl AsMut<Mailboxes<Msg>> for Context {
    fn as_mut(&mut self) -> &mut Mailboxes<Msg> {
        &mut self.mail
    }
}

impl AsMut<Broadcast<u32>> for Context {
    fn as_mut(&mut self) -> &mut Broadcast<u32> {
        &mut self.news
    }
}

/// How to make a node.
#[derive(Clone, Copy)]
struct Spec {
    id: u32,
    /// Passes every message on to this machine, as from itself.
    forward: Option<Address>,
    subscribe: bool,
    /// Sends this machine `(id, 0)` when its deadline, set to now, passes.
    ping: Option<Address>,
}

fn spec(id: u32) -> Spec {
    Spec { id, forward: None, subscribe: false, ping: None }
}

/// Logs what it is woken for; takes every message, and every broadcast
/// value; ends on `QUIT`.
struct Node {
    spec: Spec,
}

impl Machine for Node {
    type Context = Context;
    type Seed = Spec;

    fn create(spec: Spec, scope: &mut Scope<'_, Context>) -> Created<Node> {
        if spec.subscribe {
            scope.subscribe::<u32>().expect("a slot per machine");
        }
        match spec.ping {
            Some(_) => Created::keep(Node { spec }).deadline(scope.now()),
            None => Created::ok(Node { spec }),
        }
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Context>) -> Response<Node, Spec> {
        Response::ok(self)
    }

    fn timeout(self, scope: &mut Scope<'_, Context>) -> Response<Node, Spec> {
        scope.seen.push(Seen::Timeout(self.spec.id));
        if let Some(to) = self.spec.ping {
            scope.send_to(to, (self.spec.id, 0)).unwrap();
        }
        Response::ok(self)
    }

    fn wakeup(self, scope: &mut Scope<'_, Context>) -> Response<Node, Spec> {
        let id = self.spec.id;
        scope.seen.push(Seen::Woken(id));
        while let Some(msg) = scope.next_message::<Msg>() {
            scope.seen.push(Seen::Message(id, msg));
            if msg.1 == QUIT {
                return Response::done();
            }
            if msg.1 == SPAWN {
                let child = spec(id + 1);
                return Response::spawn(self, child);
            }
            if let Some(to) = self.spec.forward {
                scope.send_to(to, (id, msg.1)).expect("room to forward");
            }
        }
        loop {
            let mut news = [0; 64];
            let mut n = 0;
            match scope.read_broadcast(|&v: &u32| {
                news[n] = v;
                n += 1;
                n < news.len()
            }) {
                Ok(_) => {
                    scope.seen.extend(news[..n].iter().map(|&v| Seen::News(id, v)));
                    break;
                }
                Err(Lagged(lost)) => scope.seen.push(Seen::Lagged(id, lost)),
            }
        }
        Response::ok(self)
    }

    fn spawned(self, scope: &mut Scope<'_, Context>) -> Response<Node, Spec> {
        let child = scope.spawned().expect("the child was created");
        assert_ne!(child, scope.address());
        scope.send_to(child, (self.spec.id, 1)).expect("the child is alive");
        Response::ok(self)
    }
}

#[mio::machine]
enum Composed {
    Node(Node),
    Other(Relay),
}

/// A second machine type for the composed loop: forwards each message it
/// gets to the node whose address came with it.
struct Relay;

impl Machine for Relay {
    type Context = Context;
    type Seed = ();

    fn create(_: (), _: &mut Scope<'_, Context>) -> Created<Relay> {
        Created::ok(Relay)
    }

    fn ready(self, _: EventSet, _: &mut Scope<'_, Context>) -> Response<Relay, ()> {
        Response::ok(self)
    }

    fn timeout(self, _: &mut Scope<'_, Context>) -> Response<Relay, ()> {
        Response::ok(self)
    }
}

fn config() -> LoopConfig {
    let mut config = LoopConfig::new();
    config.machines(16);
    config
}

fn instance<M: Machine<Context = Context>>(per_machine: usize, news: usize) -> LoopInstance<M> {
    let config = config();
    let context = Context {
        mail: Mailboxes::new(config.machine_capacity(), per_machine),
        news: Broadcast::new(config.machine_capacity(), news),
        seen: Vec::new(),
    };
    mio::machine::Loop::<M>::new(&config).unwrap().instantiate(context)
}

fn add(lp: &mut LoopInstance<Node>, spec: Spec) -> Address {
    lp.add_machine_with(|scope| Node::create(spec, scope)).unwrap()
}

const OUTSIDE: MachineError = MachineError::new(std::io::ErrorKind::Other, "only a scope, no machine");

/// Runs `f` with a scope of the loop, outside any turn (the scope of a
/// machine that is never added).
fn with_scope<M: Machine<Context = Context>>(lp: &mut LoopInstance<M>, f: impl FnOnce(&mut Scope<'_, Context>)) {
    let err = lp
        .add_machine_with(|scope| {
            f(scope);
            Created::error(OUTSIDE)
        })
        .unwrap_err();
    assert_eq!(err, OUTSIDE);
}

/// One turn, which must not block: work is waiting.
fn turn<M: Machine>(lp: &mut LoopInstance<M>) {
    let _watchdog = Watchdog::new("a turn with local wake-ups queued", util::DEADLINE);
    lp.run_once(None).unwrap();
}

/// One turn that does not wait: nothing may be queued.
fn idle_turn<M: Machine>(lp: &mut LoopInstance<M>) {
    lp.run_once(Some(Duration::ZERO)).unwrap();
}

fn take_seen<M: Machine<Context = Context>>(lp: &mut LoopInstance<M>) -> Vec<Seen> {
    std::mem::take(&mut lp.context_mut().seen)
}

/// The channel was never used: no message, no waker write.
fn assert_no_channel<M: Machine>(lp: &LoopInstance<M>) {
    assert_eq!((lp.counters().messages(), lp.counters().waker_writes()), (0, 0));
}

#[test]
fn wakes_of_one_machine_coalesce_and_never_touch_the_channel() {
    let mut lp = instance::<Node>(4, 4);
    let node = add(&mut lp, spec(1));
    with_scope(&mut lp, |scope| {
        for _ in 0..10 {
            scope.wake(node).unwrap();
        }
    });
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(1)]);
    assert_eq!(lp.counters().local_wakes(), 1);
    idle_turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [], "no wake-up left over");
    assert_no_channel(&lp);
}

#[test]
fn a_stale_address_never_delivers_to_the_next_machine_of_its_slot() {
    let mut lp = instance::<Node>(4, 4);
    let old = add(&mut lp, spec(1));
    with_scope(&mut lp, |scope| scope.send_to(old, (0, QUIT)).unwrap());
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(1), Seen::Message(1, (0, QUIT))]);
    let new = add(&mut lp, spec(2));
    assert_eq!(new.token(), old.token(), "the slot is reused");
    assert_ne!(new, old);
    with_scope(&mut lp, |scope| {
        assert!(!scope.is_alive(old) && scope.is_alive(new));
        assert_eq!(scope.wake(old), Err(Gone));
        assert_eq!(scope.send_to(old, (0, 1)), Err(SendError::Gone((0, 1))));
    });
    idle_turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [], "nothing reached the new machine");
    assert_eq!(lp.context().mail.len(new), 0);
    assert_no_channel(&lp);
}

#[test]
fn a_full_mailbox_hands_the_value_back_and_nothing_is_lost() {
    let mut lp = instance::<Node>(3, 4);
    let node = add(&mut lp, spec(1));
    with_scope(&mut lp, |scope| {
        for seq in 0..3 {
            scope.send_to(node, (0, seq)).unwrap();
        }
        assert_eq!(scope.send_to(node, (0, 3)), Err(SendError::Full((0, 3))));
    });
    turn(&mut lp);
    let expected: Vec<Seen> =
        std::iter::once(Seen::Woken(1)).chain((0..3).map(|seq| Seen::Message(1, (0, seq)))).collect();
    assert_eq!(take_seen(&mut lp), expected);
    with_scope(&mut lp, |scope| scope.send_to(node, (0, 3)).unwrap());
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(1), Seen::Message(1, (0, 3))]);
}

#[test]
fn messages_keep_their_order_per_sender_and_receiver() {
    let mut lp = instance::<Node>(64, 4);
    let receiver = add(&mut lp, spec(9));
    // Two relays pass their messages on to the receiver as their own.
    let a = add(&mut lp, Spec { forward: Some(receiver), ..spec(1) });
    let b = add(&mut lp, Spec { forward: Some(receiver), ..spec(2) });
    for round in 0..3 {
        with_scope(&mut lp, |scope| {
            for seq in 0..10 {
                let seq = round * 10 + seq;
                scope.send_to(if seq % 3 == 0 { b } else { a }, (0, seq)).unwrap();
                scope.send_to(if seq % 3 == 0 { a } else { b }, (0, seq)).unwrap();
            }
        });
        // The relays run in one turn, the receiver in the next.
        turn(&mut lp);
        turn(&mut lp);
    }
    let seen = take_seen(&mut lp);
    for from in [1, 2] {
        let got: Vec<u32> = seen
            .iter()
            .filter_map(|s| match *s {
                Seen::Message(9, (f, seq)) if f == from => Some(seq),
                _ => None,
            })
            .collect();
        assert_eq!(got, (0..30).collect::<Vec<_>>(), "from {from}");
    }
    assert_no_channel(&lp);
}

#[test]
fn a_message_sent_during_the_turn_is_delivered_at_its_end() {
    let mut lp = instance::<Node>(4, 4);
    let receiver = add(&mut lp, spec(2));
    add(&mut lp, Spec { ping: Some(receiver), ..spec(1) });
    // The sender's deadline fires in some turn (the timer's tick decides
    // which); the receiver has its message at the end of that same turn.
    for _ in 0..1000 {
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
        let seen = take_seen(&mut lp);
        if !seen.is_empty() {
            assert_eq!(seen, [Seen::Timeout(1), Seen::Woken(2), Seen::Message(2, (1, 0))]);
            assert_no_channel(&lp);
            return;
        }
    }
    panic!("the deadline never fired");
}

#[test]
fn a_wake_from_a_wakeup_is_delivered_in_the_next_turn_without_sleeping() {
    let mut lp = instance::<Node>(4, 4);
    let last = add(&mut lp, spec(3));
    let middle = add(&mut lp, Spec { forward: Some(last), ..spec(2) });
    let first = add(&mut lp, Spec { forward: Some(middle), ..spec(1) });
    with_scope(&mut lp, |scope| scope.send_to(first, (0, 7)).unwrap());
    for id in 1..=3 {
        let turns = lp.turns();
        turn(&mut lp); // blocks (and the watchdog fires) if the loop sleeps with work queued
        assert_eq!(lp.turns(), turns + 1);
        let from = if id == 1 { 0 } else { id - 1 };
        assert_eq!(take_seen(&mut lp), [Seen::Woken(id), Seen::Message(id, (from, 7))]);
    }
    assert_no_channel(&lp);
}

#[test]
fn broadcast_wakes_every_subscriber_and_a_slow_one_lags_with_a_count() {
    let mut lp = instance::<Node>(4, 4);
    let subscriber = |id| Spec { subscribe: true, ..spec(id) };
    for id in 1..=3 {
        add(&mut lp, subscriber(id));
    }
    with_scope(&mut lp, |scope| {
        assert_eq!(scope.publish(10u32), 3);
        assert_eq!(scope.publish(11u32), 3);
    });
    turn(&mut lp);
    let seen = take_seen(&mut lp);
    for id in 1..=3 {
        assert!(seen.contains(&Seen::News(id, 10)) && seen.contains(&Seen::News(id, 11)), "{seen:?}");
    }
    assert_eq!(lp.counters().local_wakes(), 3, "one wake-up each for two values");
    // Six values before anyone runs: the ring keeps four.
    with_scope(&mut lp, |scope| {
        for v in 0..6u32 {
            scope.publish(v);
        }
    });
    turn(&mut lp);
    let seen = take_seen(&mut lp);
    let of_1: Vec<&Seen> = seen.iter().filter(|s| matches!(s, Seen::News(1, _) | Seen::Lagged(1, _))).collect();
    assert_eq!(of_1, [&Seen::Lagged(1, 2), &Seen::News(1, 2), &Seen::News(1, 3), &Seen::News(1, 4), &Seen::News(1, 5)]);
    assert_no_channel(&lp);
}

#[test]
fn subscribers_that_ended_are_dropped_at_the_next_publish() {
    let mut lp = instance::<Node>(4, 4);
    let gone = add(&mut lp, Spec { subscribe: true, ..spec(1) });
    add(&mut lp, Spec { subscribe: true, ..spec(2) });
    with_scope(&mut lp, |scope| scope.send_to(gone, (0, QUIT)).unwrap());
    turn(&mut lp);
    take_seen(&mut lp);
    assert_eq!(lp.context().news.subscribers(), 2);
    with_scope(&mut lp, |scope| assert_eq!(scope.publish(5u32), 1));
    assert_eq!(lp.context().news.subscribers(), 1);
    // The slot's next machine is not subscribed until it subscribes.
    let next = add(&mut lp, spec(3));
    assert_eq!(next.token(), gone.token());
    with_scope(&mut lp, |scope| assert_eq!(scope.publish(6u32), 1));
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(2), Seen::News(2, 5), Seen::News(2, 6)]);
}

#[test]
fn a_machine_in_a_composed_enum_has_its_address_and_gets_messages() {
    let mut lp = instance::<Composed>(4, 4);
    lp.add_machine_with(|scope| Relay::create((), scope).map(Composed::Other)).unwrap();
    let mut inside = None;
    let node = lp
        .add_machine_with(|scope| {
            inside = Some(scope.address());
            Node::create(Spec { subscribe: true, ..spec(1) }, scope).map(Composed::Node)
        })
        .unwrap();
    assert_eq!(inside, Some(node), "the scope's address is the one returned");
    with_scope(&mut lp, |scope| {
        scope.send_to(node, (0, 1)).unwrap();
        scope.publish(42u32);
    });
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(1), Seen::Message(1, (0, 1)), Seen::News(1, 42)]);
    assert_no_channel(&lp);
}

#[test]
fn spawned_tells_the_spawner_its_childs_address() {
    let mut lp = instance::<Node>(4, 4);
    let parent = add(&mut lp, spec(1));
    with_scope(&mut lp, |scope| scope.send_to(parent, (0, SPAWN)).unwrap());
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(1), Seen::Message(1, (0, SPAWN))]);
    // Sent while this turn's wake-ups were delivered: the next turn.
    turn(&mut lp);
    assert_eq!(take_seen(&mut lp), [Seen::Woken(2), Seen::Message(2, (1, 1))]);
}

/// A `#[machine(protocol)]` stream takes its messages on `Event::Wakeup`
/// and writes them to its socket.
mod protocol_mode {
    use std::io::Read;

    use mio::machine::{Address, Created, Loop, Mailboxes, Scope};
    use mio::stream::{Event, Next, Stream, Transport};
    use mio::unix::UnixStream;

    struct Context {
        mail: Mailboxes<u8>,
        inbox: Option<Address>,
    }

    impl AsMut<Mailboxes<u8>> for Context {
        fn as_mut(&mut self) -> &mut Mailboxes<u8> {
            &mut self.mail
        }
    }

    #[mio::machine(protocol)]
    enum Inbox {
        #[state(start, to(Waiting, Closed))]
        Waiting,
        #[state(done)]
        Closed,
    }

    type T<'a> = Transport<'a, UnixStream>;
    type S<'a> = Scope<'a, Context>;

    impl inbox::Handlers for Inbox {
        type Context = Context;
        type Socket = UnixStream;

        fn create(_: &mut T<'_>, scope: &mut S<'_>) -> Next<inbox::Waiting> {
            scope.inbox = Some(scope.address());
            Next::of(inbox::Waiting).sleep()
        }

        fn on_waiting(
            state: inbox::Waiting,
            event: Event,
            t: &mut T<'_>,
            scope: &mut S<'_>,
        ) -> Next<inbox::AfterWaiting> {
            match event {
                Event::Wakeup => {
                    while let Some(byte) = scope.next_message::<u8>() {
                        t.output().extend(&[byte]).unwrap();
                    }
                    Next::of(state).sleep()
                }
                Event::EndOfStream => Next::finish(inbox::Closed),
                _ => Next::of(state).sleep(),
            }
        }
    }

    #[test]
    fn a_protocol_state_gets_its_messages_on_wakeup() {
        let config = super::config();
        let context = Context { mail: Mailboxes::new(config.machine_capacity(), 8), inbox: None };
        let mut lp = Loop::<Stream<Inbox>>::new(&config).unwrap().instantiate(context);
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let added = lp.add_machine_with(|scope| <Stream<Inbox> as mio::machine::Machine>::create(ours, scope)).unwrap();
        assert_eq!(lp.context().inbox, Some(added), "the protocol saw its address");
        let err = lp
            .add_machine_with(|scope| {
                for byte in *b"hi!" {
                    scope.send_to(added, byte).unwrap();
                }
                Created::error(super::OUTSIDE)
            })
            .unwrap_err();
        assert_eq!(err, super::OUTSIDE);
        super::turn(&mut lp);
        // Written in that turn: in the socket already.
        let mut got = [0; 8];
        assert_eq!(theirs.read(&mut got).unwrap(), 3);
        assert_eq!(&got[..3], b"hi!");
        super::assert_no_channel(&lp);
    }
}
