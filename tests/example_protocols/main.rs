//! The example protocols (`examples/shared/tcp_echo.rs`,
//! `examples/shared/http_server.rs`, `examples/shared/chat_room.rs`,
//! `examples/resp_kv/`) driven on
//! `mio::testing::Harness`: their logic byte by byte and millisecond by
//! millisecond (the real-client tests in `tests/echo_examples.rs`,
//! `tests/http_hello.rs`, `tests/chat.rs` and `tests/resp_kv*.rs` keep
//! the sockets), and
//! property tests over any chunking, partial writes and time
//! (`props.rs`). The protocols' files are included as the examples include
//! them, with the harness's socket as their `Socket`.

#![allow(dead_code)] // The example modules have items only their servers use.

/// The socket the included protocols run on.
type Socket = mio::testing::SimSocket;

#[path = "../../examples/shared/tcp_echo.rs"]
mod tcp_echo;

#[path = "../../examples/shared/http_server.rs"]
mod http_server;

#[path = "../../examples/shared/chat_room.rs"]
mod chat_room;

// resp_kv's modules, at the crate root as in `examples/resp_kv/main.rs`.
#[path = "../../examples/resp_kv/args.rs"]
mod args;
#[path = "../../examples/resp_kv/client.rs"]
mod client;
#[path = "../../examples/resp_kv/commands.rs"]
mod commands;
#[path = "../../examples/resp_kv/db.rs"]
mod db;
#[path = "../../examples/resp_kv/frame.rs"]
mod frame;
#[path = "../../examples/resp_kv/glob.rs"]
mod glob;
#[path = "../../examples/resp_kv/info.rs"]
mod info;
#[path = "../../examples/resp_kv/info_sections.rs"]
mod info_sections;
#[path = "../../examples/resp_kv/keyspace.rs"]
mod keyspace;
#[path = "../../examples/resp_kv/protocol.rs"]
mod protocol;
#[path = "../../examples/resp_kv/spill.rs"]
mod spill;
#[path = "../../examples/resp_kv/transaction.rs"]
mod transaction;
/// As `examples/resp_kv/main.rs` (INFO reports it).
const MAX_CLIENTS: usize = 10_000;

mod script;

mod chat_tests;
mod echo_tests;
mod http_tests;
mod props;
mod resp_tests;
mod server_tests;
