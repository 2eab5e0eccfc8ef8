#!/usr/bin/env bash
# Soak: each example server under mixed load plus faults, its memory and
# file descriptors sampled every 10 s; the last minute must look like the
# first (RSS within 1 MiB, the same fd count at its maximum) and well-formed
# traffic must see no error.
#
#   benches/soak.sh                       # 10 minutes, echo, http_hello, resp_kv and proxy at once
#   SECS=120 SERVERS="resp_kv" benches/soak.sh
#
# Load per server (all at once, for SECS):
#   echo        loadgen (../shared/peers), 50 connections of 64-byte ping-pong
#   http_hello  wrk -t1 -c50, keep-alive GETs
#   resp_kv     redis-benchmark -c 50 -t set,get,incr -l (looping)
#   proxy       the same as resp_kv, through the proxy to a resp_kv of its own
# plus, from benches/soak_client.py, a verifying client (every reply checked,
# a new connection every 500 requests) and a fault every second, in turn: a
# reset mid-request, a slow reader that resets, garbage, a half-closed peer,
# half a request then a close.
# Prints a table; samples and logs go to $TMPDIR/mio-soak/<UTC time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-600}
SERVERS=${SERVERS:-echo http_hello resp_kv proxy}
OUT=${OUT_DIR:-${TMPDIR:-/tmp}/mio-soak/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
for tool in wrk redis-benchmark python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk redis-tools python3)"; exit 1; }
done
cargo build -q --release --example echo --example http_hello --example resp_kv --example proxy
PEERS_TARGET=${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/mio-peers/target}
(cd ../shared/peers && CARGO_TARGET_DIR=$PEERS_TARGET cargo build -q --release -p loadgen)
LOADGEN=$PEERS_TARGET/release/loadgen
ulimit -n 65536 2>/dev/null || true

# sample PID FILE: time, RSS in KiB and fd count every 10 s while PID lives.
sample() {
    local pid=$1 file=$2 start=$SECONDS
    printf 'secs\trss_kib\tfds\n' >"$file"
    while kill -0 "$pid" 2>/dev/null; do
        local rss fds
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        # The fewest of seven reads 200 ms apart: a fault's connection
        # lives up to a few hundred ms (a slow reader is reset after 0.2 s)
        # and faults come a second apart, so one read in the window sees
        # none; a leaked fd stays in all seven. (Five reads 20 ms apart
        # still caught a slow reader now and then: 61, 62 once a minute.)
        fds=$(for _ in 1 2 3 4 5 6 7; do ls "/proc/$pid/fd" 2>/dev/null | wc -l; sleep 0.2; done | sort -n | head -1)
        printf '%s\t%s\t%s\n' $((SECONDS - start)) "$rss" "$fds" >>"$file"
        sleep 10
    done
}

# soak NAME PORT KIND: runs one server's soak; writes $OUT/NAME.*.
soak() {
    local name=$1 port=$2 kind=$3 upstream=
    if [ "$name" = proxy ]; then
        # The proxy in front of its own resp_kv: resp load and faults go
        # through it; its RSS and fds are the ones sampled.
        target/release/examples/resp_kv "127.0.0.1:$((port + 100))" >"$OUT/$name.upstream.log" 2>&1 &
        upstream=$!
        for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$((port + 100))) 2>/dev/null && break; sleep 0.1; done
        target/release/examples/proxy "127.0.0.1:$port" "127.0.0.1:$((port + 100))" >"$OUT/$name.server.log" 2>&1 &
    else
        target/release/examples/"$name" "127.0.0.1:$port" >"$OUT/$name.server.log" 2>&1 &
    fi
    local server=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
    sample "$server" "$OUT/$name.samples.tsv" &
    local sampler=$!
    case $kind in
        echo) "$LOADGEN" --addr "127.0.0.1:$port" --conns 50 --secs "$SECS" >"$OUT/$name.load.log" 2>&1 & ;;
        http) wrk -t1 -c50 -d"${SECS}s" "http://127.0.0.1:$port/" >"$OUT/$name.load.log" 2>&1 & ;;
        resp) timeout "$SECS" redis-benchmark -p "$port" -c 50 -t set,get,incr -l -q >"$OUT/$name.load.log" 2>&1 & ;;
    esac
    local load=$!
    python3 benches/soak_client.py verify "$kind" "$port" "$SECS" >"$OUT/$name.verify.log" 2>"$OUT/$name.verify.err" &
    local verify=$!
    python3 benches/soak_client.py faults "$kind" "$port" "$SECS" >"$OUT/$name.faults.log" 2>"$OUT/$name.faults.err" &
    local faults=$!
    wait "$load" "$verify" "$faults" || true
    sleep 11 # one more sample after the load
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    if [ -n "$upstream" ]; then kill -TERM "$upstream" 2>/dev/null || true; wait "$upstream" 2>/dev/null || true; fi
}

port=27600
for name in $SERVERS; do
    port=$((port + 1))
    case $name in
        echo) kind=echo ;;
        http_hello) kind=http ;;
        resp_kv | proxy) kind=resp ;;
        *) echo "unknown server $name"; exit 1 ;;
    esac
    soak "$name" "$port" "$kind" &
done
wait

printf 'server\trss first min (KiB)\trss last min (KiB)\tdelta\tfds first min\tfds last min\tverified\terrors\tload errors\n' | tee "$OUT/summary.tsv"
status=0
for name in $SERVERS; do
    python3 - "$OUT" "$name" "$SECS" <<'PY' | tee -a "$OUT/summary.tsv" || status=1
import re, sys
out, name, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [l.split('\t') for l in open(f"{out}/{name}.samples.tsv").read().splitlines()[1:]]
rows = [(int(t), int(r), int(f)) for t, r, f in rows if int(r) > 0]
first = [r for r in rows if r[0] < 60]
last = [r for r in rows if secs - 60 <= r[0] <= secs]
rss0, rss1 = max(r[1] for r in first), max(r[1] for r in last)
fd0, fd1 = max(r[2] for r in first), max(r[2] for r in last)
verify = open(f"{out}/{name}.verify.log").read()
ok, errors = (int(x) for x in re.search(r"ok=(\d+) errors=(\d+)", verify).groups())
load = open(f"{out}/{name}.load.log").read()
load_errors = 0
m = re.search(r"errors=(\d+)", load)
if m:
    load_errors += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", load)
if m:
    load_errors += sum(int(x) for x in m.groups())
m = re.search(r"Non-2xx or 3xx responses: (\d+)", load)
if m:
    load_errors += int(m.group(1))
print(f"{name}\t{rss0}\t{rss1}\t{rss1 - rss0}\t{fd0}\t{fd1}\t{ok}\t{errors}\t{load_errors}")
bad = rss1 - rss0 > 1024 or fd1 != fd0 or errors or load_errors or ok == 0
sys.exit(1 if bad else 0)
PY
done
echo "samples and logs: $OUT"
exit $status
