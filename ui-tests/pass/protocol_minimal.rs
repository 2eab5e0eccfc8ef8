use mio::machine::Scope;
use mio::stream::{Event, Next, Protocol, Stream, Transport};
use mio::unix::UnixStream;

/// Echoes one byte at a time, ends on end of stream.
#[mio::machine(protocol)]
enum Echo {
    #[state(start, to(Closed))]
    Open,
    #[state(done)]
    Closed,
}

impl echo::Handlers for Echo {
    type Context = ();
    type Socket = UnixStream;

    fn create(_: &mut Transport<'_, UnixStream>, _: &mut Scope<'_, ()>) -> Next<echo::Open> {
        Next::of(echo::Open).expect_bytes(1)
    }

    fn on_open(
        state: echo::Open,
        event: Event,
        t: &mut Transport<'_, UnixStream>,
        _: &mut Scope<'_, ()>,
    ) -> Next<echo::AfterOpen> {
        match event {
            Event::BytesRead(end) => {
                let (input, output) = t.buffers();
                output.push(&input.data()[..end]);
                input.consume(end);
                Next::of(state).expect_bytes(1)
            }
            Event::EndOfStream => Next::finish(echo::Closed),
            _ => Next::of(state).unchanged(),
        }
    }
}

fn main() {
    fn protocol<P: Protocol<Context = (), Socket = UnixStream>>() {}
    protocol::<Echo>();
    let _ = std::any::type_name::<Stream<Echo>>();
}
