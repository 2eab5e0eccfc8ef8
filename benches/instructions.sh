#!/usr/bin/env bash
# User-space instructions per message or request (valgrind callgrind) for the
# echo servers and the example servers. Instruction counts repeat run to run
# where wall time on a shared VM does not: use them to find and prove
# user-space savings; use echo.sh / http_hello.sh / resp_kv.sh for the whole
# picture.
#
#   benches/instructions.sh            # echo family, then http_hello and resp_kv
#   ONLY=echo benches/instructions.sh  # one part: echo, http_hello or resp_kv
#   BIN=/tmp/old benches/instructions.sh   # binaries built elsewhere (a before/after)
#
# echo: ../shared/peers/run-instructions.sh (loadgen, 64-byte ping-pong over
# 100 connections) with echo-epoll and echo-mio1 beside our echo (machine
# layer + #[machine]), echo_hand (hand-written compose) and echo_handler
# (layer 1). http_hello: `wrk -t1 -c100 -d5s` keep-alive GETs. resp_kv:
# `redis-benchmark -c 50 -t set,get`, one request per round trip (-P 1).
# Each server runs under callgrind; the counters are zeroed after a warm-up
# and dumped after the measured load; Ir over requests is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY=${ONLY:-}
OUT=${OUT_DIR:-${TMPDIR:-/tmp}/mio-instructions/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
for tool in valgrind callgrind_control; do
    command -v "$tool" >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }
done
if [ -z "${BIN:-}" ]; then
    cargo build -q --release --example echo --example echo_hand --example echo_handler --example http_hello --example resp_kv
    BIN=target/release/examples
fi

if [ -z "$ONLY" ] || [ "$ONLY" = echo ]; then
    OUT_DIR="$OUT/echo" EXTRA_SERVERS="echo_handler=$BIN/echo_handler {addr};echo_hand=$BIN/echo_hand {addr};echo=$BIN/echo {addr}" \
        ../shared/peers/run-instructions.sh
fi

# under_callgrind NAME PORT WARMUP_CMD LOAD_CMD REQUESTS -- SERVER ARGS...
# Starts the server under callgrind, runs the warm-up, zeroes the counters,
# runs the load, dumps, and prints Ir per request. REQUESTS is a count, or a
# regex whose first group is the count the load printed.
under_callgrind() {
    local name=$1 port=$2 warmup=$3 load=$4 regex=$5
    shift 6
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.%p.out" "$@" >"$OUT/$name.log" 2>&1 &
    local vpid=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
    bash -c "$warmup" >/dev/null 2>&1 || true
    callgrind_control -z "$vpid" >/dev/null 2>&1
    local res
    res=$(bash -c "$load" 2>&1 || true)
    callgrind_control -d "$vpid" >/dev/null 2>&1
    kill -INT "$vpid" 2>/dev/null || true
    wait "$vpid" 2>/dev/null || true
    local requests dump
    if [[ $regex =~ ^[0-9]+$ ]]; then
        requests=$regex
    else
        requests=$(python3 -c 'import re,sys; print(sum(int(x) for x in re.findall(sys.argv[1], sys.stdin.read())))' "$regex" <<<"$res")
    fi
    dump=$(ls "$OUT/$name".*.out.1 2>/dev/null | tail -1)
    python3 - "$dump" "$requests" "$name" <<'PY'
import collections, re, sys
dump, requests, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names, cost, cur, skip = {}, collections.Counter(), None, False
for raw in open(dump):
    m = re.match(r'^(c?fn)=\((\d+)\)(?: (.*))?$', raw.rstrip('\n'))
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3)
        if m.group(1) == 'fn':
            cur = m.group(2)
        continue
    if raw.startswith('calls='):
        skip = True
        continue
    m = re.match(r'^([+-]?\d+|\*)\s+(\d+)$', raw.strip())
    if m and cur:
        if skip:
            skip = False
            continue
        cost[cur] += int(m.group(2))
total = sum(cost.values())
print(f"{name}: {total / requests:.1f} instructions per request ({requests} requests)")
for k, v in cost.most_common(8):
    print(f"    {v / requests:8.1f}  {names.get(k, k)[:110]}")
PY
}

if [ -z "$ONLY" ] || [ "$ONLY" = http_hello ]; then
    command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
    port=27501
    under_callgrind http_hello $port "wrk -t1 -c100 -d2s http://127.0.0.1:$port/" \
        "wrk -t1 -c100 -d5s http://127.0.0.1:$port/" '(\d+) requests in' -- "$BIN/http_hello" "127.0.0.1:$port"
fi

if [ -z "$ONLY" ] || [ "$ONLY" = resp_kv ]; then
    port=27502
    under_callgrind resp_kv $port "redis-benchmark -p $port -c 50 -n 20000 -t set,get -q" \
        "redis-benchmark -p $port -c 50 -n 100000 -t set,get -q" 200000 -- "$BIN/resp_kv" "127.0.0.1:$port"
fi
echo "results: $OUT"
