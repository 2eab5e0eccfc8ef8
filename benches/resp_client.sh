#!/usr/bin/env bash
# resp_client (our RESP load generator on client machines) vs redis-benchmark,
# both driving the same redis-server with the same connections, pipeline
# depth and commands: client CPU per request, and ops/s.
#
#   benches/resp_client.sh                   # 3 rounds, -c 50, -P 1 and -P 16, SET+GET
#   ROUNDS=5 N=200000 benches/resp_client.sh
#
# redis-benchmark -c 50 -P P -t set,get -n N sends N SETs, then N GETs, to
# the literal key `key:__rand_int__` with a 3-byte value; resp_client sends
# the same 2N requests (`--mix set=1,get=1 --requests 2N`, same key, same
# value). Each client's user+system CPU comes from its rusage (python's
# resource module on the child); per request = CPU / 2N. The two clients
# alternate within a round; medians over rounds. redis-server is pinned to
# CPU 0 and the clients to CPU 1 when taskset exists.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} N=${N:-100000} CONNS=${CONNS:-50} PIPELINES=${PIPELINES:-1 16}
PORT=${PORT:-26391}
for tool in redis-server redis-benchmark python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install redis-server redis-tools python3)"; exit 1; }
done
cargo build -q --release --example resp_client
CLIENT=target/release/examples/resp_client
PIN0=() && command -v taskset >/dev/null && PIN0=(taskset -c 0)
"${PIN0[@]}" redis-server --port "$PORT" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# cpu CMD...: runs CMD pinned to CPU 1; prints "CPU_SECONDS<TAB>OUTPUT's last line".
cpu() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
import shutil
pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
out = subprocess.run(pin + sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True).stdout
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
last = [l for l in out.replace("\r", "\n").splitlines() if l.strip()]
print(f"{ru.ru_utime + ru.ru_stime:.4f}\t{' | '.join(last[-2:])}")
PY
}

printf 'pipeline\tround\tclient\tcpu_us_per_req\tops_per_sec\n'
for P in $PIPELINES; do
    for r in $(seq "$ROUNDS"); do
        line=$(cpu redis-benchmark -p "$PORT" -c "$CONNS" -P "$P" -t set,get -n "$N" -q)
        secs=${line%%$'\t'*}
        # redis-benchmark -q prints "SET: X requests per second, p50=..." per test.
        ops=$(python3 -c 'import re,sys; v=[float(x) for x in re.findall(r"([0-9.]+) requests per second", sys.argv[1])]; print(f"{2/sum(1/x for x in v):.0f}" if v else "?")' "$line")
        printf '%s\t%s\tredis-benchmark\t%.3f\t%s\n' "$P" "$r" "$(python3 -c "print($secs*1e6/(2*$N))")" "$ops"
        line=$(cpu "$CLIENT" "127.0.0.1:$PORT" --conns "$CONNS" --pipeline "$P" --mix set=1,get=1 --requests $((2 * N)))
        secs=${line%%$'\t'*}
        ops=$(grep -o 'ops_per_sec=[0-9]*' <<<"$line" | cut -d= -f2)
        printf '%s\t%s\tresp_client\t%.3f\t%s\n' "$P" "$r" "$(python3 -c "print($secs*1e6/(2*$N))")" "$ops"
    done
done | tee "${TMPDIR:-/tmp}/resp_client_bench.tsv"

python3 - "${TMPDIR:-/tmp}/resp_client_bench.tsv" <<'PY'
import collections, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("pipeline")]
cpu, ops = collections.defaultdict(list), collections.defaultdict(list)
for p, _, client, c, o in rows:
    cpu[(p, client)].append(float(c))
    if o != "?": ops[(p, client)].append(float(o))
print("\nmedians: pipeline, client, CPU us/request, ops/s; ratio resp_client / redis-benchmark")
for p in sorted({k[0] for k in cpu}, key=int):
    ours, theirs = statistics.median(cpu[(p, "resp_client")]), statistics.median(cpu[(p, "redis-benchmark")])
    for client in ("redis-benchmark", "resp_client"):
        print(f"  -P {p:>3}  {client:16s} {statistics.median(cpu[(p, client)]):8.3f}  {statistics.median(ops[(p, client)] or [0]):>10.0f}")
    print(f"  -P {p:>3}  CPU ratio {ours / theirs:.2f}")
PY
