//! Behaviour of `#[machine(protocol)]` over Unix stream pairs: each event
//! reaches the current state's handler with that state's data, deadlines and
//! wake-ups reach the state that set or awaited them, and `finish` / `done`
//! close the connection; `GRAPH_DOT` draws the declared graph. Time is
//! moved by hand; waits are bounded.

use std::io::{Read, Write};
use std::time::Duration;

use mio::machine::{Loop, LoopConfig, LoopInstance, Machine, Notifier, Scope};
use mio::stream::{Event, Next, Stream, Transport};
use mio::timer::ManualClock;
use mio::unix::UnixStream;

#[derive(Default)]
struct Log {
    lines: Vec<String>,
    notifier: Option<Notifier>,
}

/// Greets, then answers each line with `<count>:<line>`; `sleep` idles
/// until a wake-up or a deadline, `bye` ends the connection.
#[mio::machine(protocol)]
#[derive(Debug, PartialEq)]
enum Chat {
    #[state(start, to(Command))]
    Greeting,
    #[state(to(Reply, Idle, Bye))]
    Command { count: u32 },
    #[state(to(Command))]
    Reply(u32),
    #[state(to(Command))]
    Idle { count: u32 },
    #[state(done)]
    Bye,
}

use chat::{Bye, Command, Greeting, Idle, Reply};

type T<'a> = Transport<'a, UnixStream>;
type S<'a> = Scope<'a, Log>;

const IDLE: Duration = Duration::from_millis(50);
const COMMAND: Duration = Duration::from_millis(100);

impl chat::Handlers for Chat {
    type Context = Log;
    type Socket = UnixStream;

    fn create(t: &mut T<'_>, scope: &mut S<'_>) -> Next<Greeting> {
        scope.lines.push("create".into());
        t.output().extend(b"hello\n").unwrap();
        Next::of(Greeting).expect_flush()
    }

    fn on_greeting(state: Greeting, event: Event, _: &mut T<'_>, scope: &mut S<'_>) -> Next<chat::AfterGreeting> {
        scope.lines.push(format!("Greeting.{event:?}"));
        match event {
            Event::Flushed => {
                let at = scope.now() + COMMAND;
                Next::of(Command { count: 0 }).deadline(at).expect_delimiter(b"\n", 64)
            }
            Event::Wakeup => Next::of(state).unchanged(),
            _ => Next::done(),
        }
    }

    fn on_command(state: Command, event: Event, t: &mut T<'_>, scope: &mut S<'_>) -> Next<chat::AfterCommand> {
        scope.lines.push(format!("Command{}.{event:?}", state.count));
        let Event::BytesRead(end) = event else { return Next::done() };
        let line = t.input().data()[..end - 1].to_vec();
        t.input().consume(end);
        match &line[..] {
            b"bye" => Next::finish(Bye),
            b"sleep" => {
                scope.notifier = Some(scope.notifier());
                let at = scope.now() + IDLE;
                Next::of(Idle { count: state.count }).deadline(at).sleep()
            }
            _ => {
                let reply = format!("{}:{}\n", state.count, String::from_utf8_lossy(&line));
                t.output().extend(reply.as_bytes()).unwrap();
                Next::of(Reply(state.count)).expect_flush()
            }
        }
    }

    fn on_reply(state: Reply, event: Event, _: &mut T<'_>, scope: &mut S<'_>) -> Next<chat::AfterReply> {
        scope.lines.push(format!("Reply{}.{event:?}", state.0));
        match event {
            Event::Flushed => {
                let at = scope.now() + COMMAND;
                Next::of(Command { count: state.0 + 1 }).deadline(at).expect_delimiter(b"\n", 64)
            }
            _ => Next::done(),
        }
    }

    fn on_idle(state: Idle, event: Event, _: &mut T<'_>, scope: &mut S<'_>) -> Next<chat::AfterIdle> {
        scope.lines.push(format!("Idle{}.{event:?}", state.count));
        match event {
            Event::Timeout | Event::Wakeup => Next::of(Command { count: state.count }).expect_delimiter(b"\n", 64),
            _ => Next::done(),
        }
    }
}

struct Rig {
    lp: LoopInstance<Stream<Chat>>,
    clock: ManualClock,
    peer: UnixStream,
}

impl Rig {
    fn new() -> Rig {
        let clock = ManualClock::new();
        let mut config = LoopConfig::new();
        config.machines(4).buffers(1024, 8).event_loop().clock(clock.clone());
        let mut lp = Loop::<Stream<Chat>>::new(&config).unwrap().instantiate(Log::default());
        let (ours, peer) = UnixStream::pair().unwrap();
        lp.add_machine_with(|scope| <Stream<Chat> as Machine>::create(ours, scope)).unwrap();
        let mut rig = Rig { lp, clock, peer };
        assert_eq!(rig.read_reply(), "hello\n");
        rig.until(|l| l.lines.ends_with(&["Greeting.Flushed".to_string()]));
        rig.lp.context_mut().lines.clear();
        rig
    }

    /// Runs zero-timeout turns until `done` holds, at most 200.
    fn until(&mut self, done: impl Fn(&Log) -> bool) {
        for _ in 0..200 {
            if done(self.lp.context()) {
                return;
            }
            self.lp.run_once(Some(Duration::ZERO)).unwrap();
        }
        panic!("not reached after 200 turns: {:?}", self.lp.context().lines);
    }

    fn lines(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lp.context_mut().lines)
    }

    /// Reads what the protocol wrote (turning the loop while waiting).
    fn read_reply(&mut self) -> String {
        let mut out = Vec::new();
        for _ in 0..200 {
            self.lp.run_once(Some(Duration::ZERO)).unwrap();
            let mut buf = [0; 256];
            match self.peer.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.ends_with(b"\n") {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        String::from_utf8(out).unwrap()
    }
}

#[test]
fn each_event_reaches_the_current_state_with_its_data() {
    let mut rig = Rig::new();
    rig.peer.write_all(b"one\n").unwrap();
    assert_eq!(rig.read_reply(), "0:one\n");
    rig.peer.write_all(b"two\n").unwrap();
    assert_eq!(rig.read_reply(), "1:two\n");
    rig.until(|l| l.lines.len() >= 4);
    assert_eq!(rig.lines(), ["Command0.BytesRead(4)", "Reply0.Flushed", "Command1.BytesRead(4)", "Reply1.Flushed"]);
}

#[test]
fn a_deadline_reaches_the_state_that_set_it() {
    let mut rig = Rig::new();
    rig.clock.advance(COMMAND - Duration::from_millis(1));
    rig.lp.run_once(Some(Duration::ZERO)).unwrap();
    assert!(rig.lines().is_empty());
    rig.clock.advance(Duration::from_millis(2));
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Command0.Timeout"]);
    assert_eq!(rig.lp.machine_count(), 0, "the handler returned `Next::done()`");
}

#[test]
fn a_sleeping_state_gets_its_deadline_or_its_wakeup() {
    let mut rig = Rig::new();
    rig.peer.write_all(b"sleep\n").unwrap();
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Command0.BytesRead(6)"]);
    rig.lp.context().notifier.as_ref().unwrap().wakeup().unwrap();
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Idle0.Wakeup"]);

    rig.peer.write_all(b"sleep\n").unwrap();
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Command0.BytesRead(6)"]);
    rig.clock.advance(IDLE);
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Idle0.Timeout"]);
    rig.peer.write_all(b"x\n").unwrap();
    assert_eq!(rig.read_reply(), "0:x\n");
}

#[test]
fn finishing_in_a_done_state_closes_the_connection() {
    let mut rig = Rig::new();
    rig.peer.write_all(b"bye\n").unwrap();
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Command0.BytesRead(4)"]);
    assert_eq!(rig.read_reply(), "", "closed");
    assert_eq!(rig.lp.machine_count(), 0);
}

#[test]
fn end_of_stream_reaches_the_current_state() {
    let mut rig = Rig::new();
    rig.peer.shutdown(std::net::Shutdown::Write).unwrap();
    rig.until(|l| !l.lines.is_empty());
    assert_eq!(rig.lines(), ["Command0.EndOfStream"]);
    assert_eq!(rig.lp.machine_count(), 0);
}

#[test]
fn state_types_convert_into_the_enum() {
    assert_eq!(Chat::from(Greeting), Chat::Greeting);
    assert_eq!(Chat::from(Bye), Chat::Bye);
    assert_eq!(Chat::from(chat::AfterCommand::Reply(Reply(3))), Chat::Reply(3));
    assert_eq!(Chat::from(chat::AfterReply::Command(Command { count: 2 })), Chat::Command { count: 2 });
    assert_eq!(format!("{:?}", Idle { count: 1 }), "Idle { count: 1 }");
}

#[test]
fn graph_dot_draws_the_declared_states_and_transitions() {
    let expected = r#"digraph "Chat" {
    rankdir=LR;
    node [shape=ellipse];
    "(start)" [shape=point];
    "(start)" -> "Greeting";
    "Greeting";
    "Command";
    "Reply";
    "Idle";
    "Bye" [peripheries=2];
    "Greeting" -> "Command";
    "Command" -> "Reply";
    "Command" -> "Idle";
    "Command" -> "Bye";
    "Reply" -> "Command";
    "Idle" -> "Command";
}"#;
    assert_eq!(Chat::GRAPH_DOT, expected);
}
