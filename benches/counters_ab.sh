#!/usr/bin/env bash
# The cost of the loop's counters: `echo` built at BASE (a commit without
# them) and at the working tree, side by side in one run of the peers'
# run-echo.sh (server CPU per message, syscalls) and run-instructions.sh
# (user-space instructions per message under callgrind, which repeat run to
# run). See benches/README.md, "Counters".
#
#   BASE=04f8121 benches/counters_ab.sh          # ~6 min
#   ROUNDS=5 CONFIGS="100:64" benches/counters_ab.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${BASE:-04f8121}
PEERS=${PEERS:-$PWD/../shared/peers}
WORK=${WORK:-${TMPDIR:-/tmp}/mio-counters-ab}
[[ -d "$PEERS" ]] || { echo "peers not found at $PEERS (set PEERS=...)" >&2; exit 1; }
mkdir -p "$WORK/base"

# BASE's sources, exported (no checkout), built in their own target folder.
git archive "$BASE" | tar -x -C "$WORK/base"
(cd "$WORK/base" && cargo build -q --release --example echo)
cp "$WORK/base/target/release/examples/echo" "$WORK/echo-base"
cargo build -q --release --example echo
cp target/release/examples/echo "$WORK/echo-counters"

servers="echo-base=$WORK/echo-base {addr};echo-counters=$WORK/echo-counters {addr}"
SERVERS=${SERVERS:-echo-epoll} ROUNDS=${ROUNDS:-3} CONFIGS=${CONFIGS:-"100:64 1:64"} IDLE_CONNS=0 \
    EXTRA_SERVERS="$servers" "$PEERS/run-echo.sh"
SERVERS="" CONNS=100 EXTRA_SERVERS="$servers" "$PEERS/run-instructions.sh"
