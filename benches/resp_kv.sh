#!/usr/bin/env bash
# resp_kv (examples/resp_kv) side by side with Debian's redis-server under
# redis-benchmark: ops/s per test, medians over rounds, and the ratio
# resp_kv / redis-server. Also the server's CPU time per request (user +
# system, from /proc), which still separates the servers when the client
# is the bottleneck.
#
#   benches/resp_kv.sh                       # 3 rounds, -P 1 and -P 16, ~3 min
#   ROUNDS=1 N=50000 benches/resp_kv.sh      # quick look
#
# Knobs (environment): ROUNDS (3), N requests per test (200000), CLIENTS (50),
# PIPELINES ("1 16"), TESTS (ping,set,get), SERVER_CPU (1), CLIENT_CPU (0),
# OUT (results folder; default $TMPDIR/mio-resp-bench/<UTC time>).
#
# Each run starts a fresh server pinned to SERVER_CPU (`taskset`), the client
# pinned to CLIENT_CPU, and stops the server by its PID. The two servers
# alternate test by test (redis-server, resp_kv, next test...), so each pair
# of runs is close in time and drift of the machine hits both alike.
# Needs redis-server and redis-benchmark (`.ci/run` installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-ping,set,get}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
OUT=${OUT:-${TMPDIR:-/tmp}/mio-resp-bench/$(date -u +%Y%m%dT%H%M%SZ)}

for tool in redis-server redis-benchmark redis-cli taskset python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found: run .ci/run (installs redis-tools, redis-server)" >&2; exit 1; }
done

cargo build --quiet --release --example resp_kv
OURS=target/release/examples/resp_kv
mkdir -p "$OUT"
RESULTS=$OUT/runs.tsv
printf 'round\tpipeline\tserver\ttest\trps\tcpu_us_per_req\n' >"$RESULTS"

# A port nothing listens on, from a base that is moved past used ones.
next_port=16400
free_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  port=$next_port
  next_port=$((next_port + 1))
}

# Starts server $1 on $port in the background; sets $pid. Waits (bounded)
# until it answers PING.
start_server() {
  case $1 in
    redis-server) taskset -c "$SERVER_CPU" redis-server --save '' --appendonly no --port "$port" \
      --bind 127.0.0.1 --daemonize no --loglevel warning >"$OUT/redis-server.log" 2>&1 & ;;
    resp_kv) taskset -c "$SERVER_CPU" "$OURS" "127.0.0.1:$port" >"$OUT/resp_kv.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.05
  done
  echo "$1 did not start on port $port" >&2
  kill -KILL "$pid" 2>/dev/null || true
  exit 1
}

stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The server's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$pid/stat"
}

TICKS_PER_SEC=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
  for pipeline in $PIPELINES; do
    for test in ${TESTS//,/ }; do
      for server in redis-server resp_kv; do
        free_port
        start_server "$server"
        before=$(cpu_ticks)
        csv=$(taskset -c "$CLIENT_CPU" redis-benchmark -p "$port" -t "$test" -n "$N" -c "$CLIENTS" -P "$pipeline" --csv | tail -n +2)
        after=$(cpu_ticks)
        stop_server
        lines=$(printf '%s\n' "$csv" | wc -l)
        cpu_us=$(python3 -c "print(f'{($after - $before) / $TICKS_PER_SEC * 1e6 / ($N * $lines):.3f}')")
        printf '%s\n' "$csv" | while IFS=, read -r name rps _; do
          printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$pipeline" "$server" "${name//\"/}" "${rps//\"/}" "$cpu_us"
        done >>"$RESULTS"
        echo "round $round  -P $pipeline  $server: $(printf '%s\n' "$csv" | cut -d, -f1,2 | tr -d '"' | tr '\n' ' ') cpu ${cpu_us} us/req"
      done
    done
  done
done

python3 - "$RESULTS" "$ROUNDS" "$N" "$CLIENTS" <<'EOF' | tee "$OUT/summary.md"
import csv, statistics, sys
path, rounds, n, clients = sys.argv[1:]
rows = list(csv.DictReader(open(path), delimiter="\t"))
runs = {}
for r in rows:
    by_server = runs.setdefault((int(r["pipeline"]), r["test"]), {}).setdefault(r["server"], {})
    by_server[r["round"]] = (float(r["rps"]), float(r["cpu_us_per_req"]))


def compare(by_server, i):
    """Both servers' medians of figure i, the ratio of medians, the median of per-round ratios."""
    ours, theirs = by_server["resp_kv"], by_server["redis-server"]
    paired = [ours[k][i] / max(theirs[k][i], 1e-9) for k in ours if k in theirs]
    m_ours = statistics.median(v[i] for v in ours.values())
    m_theirs = statistics.median(v[i] for v in theirs.values())
    return m_theirs, m_ours, m_ours / max(m_theirs, 1e-9), statistics.median(paired)


print(f"\nredis-benchmark -n {n} -c {clients}; medians of {rounds} round(s); ratios are resp_kv / redis-server")
print("(ops/s: higher is better; server CPU µs per request, user + system: lower is better)\n")
print("| test | -P | redis-server ops/s | resp_kv ops/s | ratio | per-round ratio | "
      "redis-server CPU µs/req | resp_kv CPU µs/req | CPU ratio |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for (p, test) in sorted(runs):
    theirs, ours, ratio, paired = compare(runs[(p, test)], 0)
    c_theirs, c_ours, c_ratio, _ = compare(runs[(p, test)], 1)
    print(f"| {test} | {p} | {theirs:,.0f} | {ours:,.0f} | {ratio:.2f}x | {paired:.2f}x | "
          f"{c_theirs:.2f} | {c_ours:.2f} | {c_ratio:.2f}x |")
EOF
echo "results: $OUT"
