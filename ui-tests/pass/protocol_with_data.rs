use std::time::Duration;

use mio::machine::Scope;
use mio::stream::{Event, Next, Protocol, Transport};
use mio::unix::UnixStream;

#[mio::machine(protocol, module = states)]
#[derive(Debug, Clone, PartialEq, Default)]
enum Http {
    #[state(start, to(Body, Respond))]
    #[default]
    Headers,
    #[state(to(Respond))]
    Body { remaining: usize },
    #[state(to(Headers, Closed))]
    Respond(bool),
    #[state(done)]
    Closed,
}

use states::{Body, Closed, Headers, Respond};

type T<'a> = Transport<'a, UnixStream>;

impl states::Handlers for Http {
    type Context = u64;
    type Socket = UnixStream;

    fn create(_: &mut T<'_>, scope: &mut Scope<'_, u64>) -> Next<Headers> {
        let at = scope.now() + Duration::from_secs(**scope);
        Next::of(Headers).deadline(at).expect_delimiter(b"\r\n\r\n", 8192)
    }

    fn on_headers(_: Headers, event: Event, t: &mut T<'_>, _: &mut Scope<'_, u64>) -> Next<states::AfterHeaders> {
        let Event::BytesRead(end) = event else { return Next::done() };
        t.input().consume(end);
        if end > 100 {
            Next::of(Body { remaining: end }).expect_bytes(end)
        } else {
            Next::of(Respond(true)).expect_flush()
        }
    }

    fn on_body(state: Body, event: Event, t: &mut T<'_>, _: &mut Scope<'_, u64>) -> Next<states::AfterBody> {
        match event {
            Event::BytesRead(end) => {
                t.input().consume(end);
                Next::of(Respond(state.remaining > 10)).expect_flush()
            }
            _ => Next::done(),
        }
    }

    fn on_respond(state: Respond, event: Event, _: &mut T<'_>, _: &mut Scope<'_, u64>) -> Next<states::AfterRespond> {
        match (event, state.0) {
            (Event::Flushed, true) => Next::of(Headers).expect_delimiter(b"\r\n\r\n", 8192),
            (Event::Flushed, false) => Next::finish(Closed),
            _ => Next::done(),
        }
    }
}

fn main() {
    fn protocol<P: Protocol<Context = u64>>() {}
    protocol::<Http>();
    assert_eq!(Http::from(states::AfterHeaders::Body(Body { remaining: 3 })), Http::Body { remaining: 3 });
    assert_eq!(Http::from(Respond(false)), Http::Respond(false));
    assert_eq!(format!("{:?}", Body { remaining: 1 }), "Body { remaining: 1 }");
    assert_eq!(Http::default(), Http::Headers);
    assert_eq!(Body::default(), Body { remaining: 0 });
}
