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
#   INSTR=1 LINES=2000 ROUNDS=1 benches/chat.sh   # user-space instructions per
#                                                 # line under callgrind instead
#
# CPU time on a shared VM moves with the load of other processes; the
# instruction counts (INSTR=1) repeat run to run but leave out the kernel
# (the `write` per listener that both servers make).
set -euo pipefail
cd "$(dirname "$0")/.."
LISTENERS=${LISTENERS:-50} LINES=${LINES:-20000} BATCH=${BATCH:-100} SIZE=${SIZE:-64} ROUNDS=${ROUNDS:-5}
cargo build -q --release --example chat --example chat_handler
if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"

# Runs one server under load; prints its ns of CPU per line (or, with
# INSTR=1, its user-space instructions per line under callgrind).
one() {
    local server=$1 out="$WORK/out" pid addr
    if [ -n "${INSTR:-}" ]; then
        valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" \
            "target/release/examples/$server" 127.0.0.1:0 >"$out" 2>/dev/null &
    else
        "target/release/examples/$server" 127.0.0.1:0 >"$out" 2>/dev/null &
    fi
    pid=$!
    for _ in $(seq 600); do grep -q "listening on" "$out" 2>/dev/null && break; sleep 0.05; done
    addr=$(sed -n 's/^listening on //p' "$out")
    if [ -n "${INSTR:-}" ]; then
        ON_START="callgrind_control -z $pid" ON_END="callgrind_control -d $pid" \
            benches/chat_load.py "$addr" "$pid" "$LISTENERS" "$LINES" "$BATCH" "$SIZE" >"$WORK/load"
    else
        benches/chat_load.py "$addr" "$pid" "$LISTENERS" "$LINES" "$BATCH" "$SIZE" >"$WORK/load"
    fi
    kill -TERM "$pid"
    wait "$pid" || true
    if [ -n "${INSTR:-}" ]; then
        local dump total
        dump=$(ls "$WORK"/cg."$pid".* | grep -v "cg.$pid\$" | tail -1)
        total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$dump" | head -1)
        echo $((total / LINES))
        mv "$dump" "$WORK/$server.callgrind"
        rm -f "$WORK"/cg.*
    else
        sed -n 's/.*ns_per_line \([0-9]*\).*/\1/p' "$WORK/load"
    fi
}

unit="ns of server CPU"
[ -n "${INSTR:-}" ] && unit="user-space instructions"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$WORK/chat"
: >"$WORK/chat_handler"
for round in $(seq "$ROUNDS"); do
    for server in chat chat_handler; do
        ns=$(one "$server")
        echo "round $round: $server $ns $unit per line ($LISTENERS listeners)"
        echo "$ns" >>"$WORK/$server"
    done
done
machine=$(median <"$WORK/chat")
handler=$(median <"$WORK/chat_handler")
echo "median $unit per broadcast line: chat (machine layer) $machine, chat_handler (layer 1) $handler," \
    "ratio $(awk -v a="$machine" -v b="$handler" 'BEGIN {printf "%.2f", a / b}')"
if [ -n "${INSTR:-}" ]; then echo "callgrind dumps: $WORK/chat.callgrind, $WORK/chat_handler.callgrind (set WORK to keep them)"; fi
