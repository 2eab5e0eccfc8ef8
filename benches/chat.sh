#!/usr/bin/env bash
# CPU per broadcast line: examples/chat (machine layer: a Stream protocol
# machine per client, lines through a Broadcast and local wake-ups) against
# examples/chat_handler (layer 1: one Handler looping over a slab), in one
# run, alternating, ROUNDS rounds each; the median of each and their ratio.
# One talker sends LINES lines of SIZE bytes in batches of BATCH, each read
# whole by LISTENERS listeners before the next (benches/chat_load.py); the
# server's CPU (user + system, /proc/PID/stat) is divided by the lines sent.
#
#   benches/chat.sh                        # 50 listeners, 20,000 lines, 5 rounds
#   LISTENERS=200 LINES=10000 ROUNDS=3 benches/chat.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LISTENERS=${LISTENERS:-50} LINES=${LINES:-20000} BATCH=${BATCH:-100} SIZE=${SIZE:-64} ROUNDS=${ROUNDS:-5}
cargo build -q --release --example chat --example chat_handler
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Runs one server under load; prints its ns per line.
one() {
    local server=$1 out="$WORK/out" pid addr
    "target/release/examples/$server" 127.0.0.1:0 >"$out" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$out" 2>/dev/null && break; sleep 0.05; done
    addr=$(sed -n 's/^listening on //p' "$out")
    benches/chat_load.py "$addr" "$pid" "$LISTENERS" "$LINES" "$BATCH" "$SIZE" >"$WORK/load"
    kill -TERM "$pid"
    wait "$pid" || true
    sed -n 's/.*ns_per_line \([0-9]*\).*/\1/p' "$WORK/load"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$WORK/chat"
: >"$WORK/chat_handler"
for round in $(seq "$ROUNDS"); do
    for server in chat chat_handler; do
        ns=$(one "$server")
        echo "round $round: $server $ns ns of server CPU per line ($LISTENERS listeners)"
        echo "$ns" >>"$WORK/$server"
    done
done
machine=$(median <"$WORK/chat")
handler=$(median <"$WORK/chat_handler")
echo "median ns of server CPU per broadcast line: chat (machine layer) $machine, chat_handler (layer 1) $handler," \
    "ratio $(awk -v a="$machine" -v b="$handler" 'BEGIN {printf "%.2f", a / b}')"
