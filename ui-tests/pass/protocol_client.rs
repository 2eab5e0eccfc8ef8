//! A `#[machine(protocol)]` client: the seed's state carries per-connection
//! data, hears `Event::Connected` first, and a failed connect is told with
//! the state it was seeded in.

use mio::machine::{MachineError, Scope};
use mio::stream::{Connect, Event, Next, Outbound, Protocol, Transport};
use mio::unix::UnixStream;

#[mio::machine(protocol)]
#[derive(Debug)]
enum Client {
    #[state(start, to(Await))]
    Send { key: u32 },
    #[state(to(Done))]
    Await,
    #[state(done)]
    Done,
}

use client::{Await, Done, Send};

type T<'a> = Transport<'a, UnixStream>;

#[derive(Default)]
struct Log {
    failed: Vec<(u32, std::io::ErrorKind)>,
}

impl client::Handlers for Client {
    type Context = Log;
    type Socket = UnixStream;
    const CONNECTED: bool = true;

    fn create(_: &mut T<'_>, _: &mut Scope<'_, Log>) -> Next<Send> {
        Next::of(Send { key: 0 }).expect_flush()
    }

    fn on_send(state: Send, event: Event, t: &mut T<'_>, _: &mut Scope<'_, Log>) -> Next<client::AfterSend> {
        match event {
            Event::Connected => {
                t.output().push(&state.key.to_be_bytes());
                Next::of(Await).expect_bytes(1)
            }
            _ => Next::done(),
        }
    }

    fn on_await(_: Await, _: Event, _: &mut T<'_>, _: &mut Scope<'_, Log>) -> Next<client::AfterAwait> {
        Next::finish(Done)
    }

    fn connect_failed(state: Self, error: MachineError, scope: &mut Scope<'_, Log>) {
        if let Client::Send { key } = state {
            scope.failed.push((key, error.kind()));
        }
    }
}

fn main() {
    fn client<P: Protocol<Context = Log>>() {}
    client::<Client>();
    let (ours, _theirs) = UnixStream::pair().unwrap();
    let seed = Outbound::new(ours, Client::Send { key: 7 });
    let _ = std::any::type_name::<Connect<Client>>();
    let (_, value) = seed.into_parts();
    assert!(matches!(value, Client::Send { key: 7 }));
}
