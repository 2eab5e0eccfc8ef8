//! A `pub` protocol enum under `#![deny(missing_docs)]`: the generated state
//! structs carry the docs written on the variants' fields (named or tuple,
//! `///` or `#[doc = ..]`), undocumented tuple fields get a generated line,
//! and the other generated public items (the module, the `After<State>`
//! enums, `Handlers`, `GRAPH_DOT`) are documented, so the crate compiles.
#![deny(missing_docs)]

/// A public module, so the protocol is exported from the crate.
pub mod server {
    use mio::machine::Scope;
    use mio::stream::{Event, Next, Transport};
    use mio::unix::UnixStream;

    /// A protocol whose states hold data.
    #[mio::machine(protocol, module = states)]
    pub enum Session {
        /// Waiting for a request.
        #[state(start, to(Body, Reply))]
        Request,
        /// Reading a body.
        #[state(to(Reply))]
        Body {
            /// Bytes still to come.
            ///
            /// A second paragraph.
            remaining: u64,
            #[doc = "Whether to keep the connection."]
            keep: bool,
        },
        /// Writing a reply.
        #[state(to(Request, Closed))]
        Reply(
            /// The status code.
            u16,
            bool,
        ),
        /// Over.
        #[state(done)]
        Closed(u8),
    }

    type T<'a> = Transport<'a, UnixStream>;

    impl states::Handlers for Session {
        type Context = ();
        type Socket = UnixStream;
        fn create(_: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<states::Request> {
            Next::of(states::Request).expect_bytes(1)
        }
        fn on_request(
            _: states::Request,
            _: Event,
            _: &mut T<'_>,
            _: &mut Scope<'_, ()>,
        ) -> Next<states::AfterRequest> {
            Next::of(states::Body { remaining: 1, keep: true }).expect_bytes(1)
        }
        fn on_body(state: states::Body, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<states::AfterBody> {
            Next::of(states::Reply(200, state.keep && state.remaining == 0)).expect_flush()
        }
        fn on_reply(state: states::Reply, _: Event, _: &mut T<'_>, _: &mut Scope<'_, ()>) -> Next<states::AfterReply> {
            if state.1 {
                Next::of(states::Request).expect_bytes(1)
            } else {
                Next::finish(states::Closed(0))
            }
        }
    }
}

fn main() {
    assert!(server::Session::GRAPH_DOT.starts_with("digraph \"Session\" {"));
}
