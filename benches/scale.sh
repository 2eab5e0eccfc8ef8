#!/usr/bin/env bash
# One loop per core, side by side: our echo with `--threads T` (a
# mio::serve::LoopGroup: T loops, each with its own SO_REUSEPORT listener)
# beside echo-epoll and echo-mio1 (T epoll loops with SO_REUSEPORT, the same
# design) and echo-tokio (the multi-thread runtime with T workers), each
# against `loadgen --threads T` over 100 x T connections of 64-byte
# ping-pong, with ../shared/peers/run-scale.sh. Prints its tables: median
# msgs/s per server and T, and the scaling efficiency msgs/s(T) / (T x
# msgs/s(1)).
#
#   benches/scale.sh                    # T = 1 2 4 8, 2 rounds x 5 s; meant for 16 cores (see below)
#   QUICK=1 benches/scale.sh            # T = 1 only, 3 rounds x 3 s, server on CPU 1, loadgen on CPU 0
#   PINNED=1 benches/scale.sh           # also our echo with --pin (loop i on the i-th CPU of its set)
#
# Any knob of run-scale.sh passes through (THREADS, ROUNDS, SECS,
# SERVER_CPUS, LOADGEN_CPUS, PIN, CONNS_PER_THREAD, ...). Its defaults want
# 16 CPUs: 0-7 for the servers, 8-15 for the load. On fewer, scaling cannot
# be measured (the load generator needs as many cores as the server): run
# QUICK=1 there, which compares the servers at T = 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
[[ -x "$PEERS/run-scale.sh" ]] || { echo "peers not found at $PEERS (set PEERS=...)" >&2; exit 1; }

cargo build --release --example echo
ours="$PWD/target/release/examples/echo"
servers="echo-ours=$ours {addr} --threads {threads}"
if [[ "${PINNED:-0}" == 1 ]]; then
    servers="$servers;echo-ours-pinned=$ours {addr} --threads {threads} --pin"
fi
if [[ "${QUICK:-0}" == 1 ]]; then
    export THREADS=${THREADS:-1} ROUNDS=${ROUNDS:-3} SECS=${SECS:-3}
    export SERVER_CPUS=${SERVER_CPUS:-1} LOADGEN_CPUS=${LOADGEN_CPUS:-0}
fi
EXTRA_SERVERS="$servers" exec "$PEERS/run-scale.sh"
