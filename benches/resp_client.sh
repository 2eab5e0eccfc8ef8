#!/usr/bin/env bash
# examples/resp_client against redis-benchmark as load generators for the
# same redis-server, same connections, pipeline depth and SET/GET mix: the
# client's CPU time per request (user + system, from GNU time), medians over
# rounds, and the ratio resp_client / redis-benchmark. Ops/s are printed too
# but belong to the server (one redis-server thread) more than the client.
#
#   benches/resp_client.sh                     # 3 rounds, -P 1 and -P 16
#   ROUNDS=1 N=100000 benches/resp_client.sh   # quick look
#
# Knobs (environment): ROUNDS (3), N requests per command (200000; both
# clients send N SETs and N GETs), CLIENTS (50), PIPELINES ("1 16"),
# PORT (6391), OUT (results folder; default $TMPDIR/mio-resp-client/<UTC>).
# The two clients alternate run by run, so drift of the machine hits both.
# Needs redis-server, redis-benchmark and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
PORT=${PORT:-6391}
OUT=${OUT:-${TMPDIR:-/tmp}/mio-resp-client/$(date -u +%Y%m%dT%H%M%SZ)}

for tool in redis-server redis-benchmark redis-cli /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done
cargo build --quiet --release --example resp_client
OURS=target/release/examples/resp_client
mkdir -p "$OUT"
RESULTS=$OUT/runs.tsv
printf 'round\tpipeline\tclient\tcpu_s\trequests\tcpu_us_per_req\n' >"$RESULTS"

redis-server --port "$PORT" --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

# run ROUND PIPELINE NAME COMMAND...: one client run under GNU time.
run() {
    local round=$1 pipeline=$2 name=$3
    shift 3
    /usr/bin/time -f '%U %S' -o "$OUT/time" "$@" >"$OUT/$name-$pipeline-$round.out" 2>&1
    local cpu
    cpu=$(awk '{print $1 + $2}' "$OUT/time")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$pipeline" "$name" "$cpu" $((2 * N)) \
        "$(python3 -c "print(round($cpu * 1e6 / (2 * $N), 3))")" >>"$RESULTS"
}

for round in $(seq "$ROUNDS"); do
    for pipeline in $PIPELINES; do
        run "$round" "$pipeline" resp_client "$OURS" "127.0.0.1:$PORT" --connections "$CLIENTS" \
            --pipeline "$pipeline" --requests $((2 * N)) --mix set=1,get=1 --keys 10000
        run "$round" "$pipeline" redis-benchmark redis-benchmark -p "$PORT" -c "$CLIENTS" -P "$pipeline" \
            -n "$N" -r 10000 -t set,get -q
    done
done

python3 - "$RESULTS" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("pipeline  client            CPU us/request (median)")
for p in sorted({r["pipeline"] for r in rows}, key=int):
    med = {}
    for c in ("resp_client", "redis-benchmark"):
        med[c] = statistics.median(float(r["cpu_us_per_req"]) for r in rows if r["pipeline"] == p and r["client"] == c)
        print(f"{p:>8}  {c:<16}  {med[c]:.3f}")
    print(f"{p:>8}  ratio             {med['resp_client'] / med['redis-benchmark']:.2f}x")
EOF
echo "results: $OUT"
