#!/usr/bin/env bash
# Side by side: our echo servers against the peers (raw epoll, mio 1.x, tokio)
# with ../shared/peers' load generator, in one run, interleaved, several
# rounds. Prints the peers' summary tables (medians, ratios vs echo-epoll,
# syscalls per message, idle bytes per connection).
#
#   benches/echo.sh                     # full run (~8 min)
#   QUICK=1 benches/echo.sh             # 2 s x 2 rounds, 100 and 1000 conns, no idle check
#   POLL=1 benches/echo.sh              # also the forced poll(2) backend build
#
# Any knob of run-echo.sh (SECS, ROUNDS, CONFIGS, IDLE_CONNS, ...) passes through.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
[[ -d "$PEERS" ]] || { echo "peers not found at $PEERS (set PEERS=...)" >&2; exit 1; }

cargo build --release --example echo --example echo_hand --example echo_handler
servers="echo-ours=$PWD/target/release/examples/echo {addr};echo-ours-hand=$PWD/target/release/examples/echo_hand {addr};echo-ours-handler=$PWD/target/release/examples/echo_handler {addr}"
if [[ "${POLL:-0}" == 1 ]]; then
    RUSTFLAGS="--cfg mio_force_poll" CARGO_TARGET_DIR=target/force-poll cargo build --release --example echo
    servers="$servers;echo-ours-poll=$PWD/target/force-poll/release/examples/echo {addr}"
fi
if [[ "${QUICK:-0}" == 1 ]]; then
    export SECS=${SECS:-2} ROUNDS=${ROUNDS:-2} CONFIGS=${CONFIGS:-"100:64 1000:64"} IDLE_CONNS=${IDLE_CONNS:-0}
fi
EXTRA_SERVERS="$servers" "$PEERS/run-echo.sh"
