#!/usr/bin/env bash
# examples/proxy against haproxy (mode tcp, nbthread 1) and nginx's stream
# module (one worker), all in front of one redis-server, under
# redis-benchmark; redis-server direct as the baseline. Per test: ops/s and
# the proxy's CPU time per request (user + system of the proxy process, from
# /proc/<pid>/stat over the run, divided by the requests), medians over
# rounds, and ratios to haproxy.
#
#   benches/proxy.sh                          # 3 rounds, -P 1 and -P 16, SET and GET, ~5 min
#   ROUNDS=1 N1=50000 N16=500000 benches/proxy.sh   # quick look
#
# Knobs (environment): ROUNDS (3), N1 requests per -P 1 test (200000), N16
# per -P 16 test (2000000), PIPELINES ("1 16"), CLIENTS (50), TESTS (set,get), PROXY_CPU (1),
# OTHER_CPU (0: redis-server and redis-benchmark), OUT (results folder;
# default $TMPDIR/mio-proxy-bench/<UTC time>).
#
# Each run starts a fresh proxy pinned to PROXY_CPU (`taskset`) and stops it
# by its PID; redis-server (one for the whole script) and the client share
# OTHER_CPU. The targets alternate test by test (direct, mio, haproxy,
# nginx, next test...), so drift of the machine hits them alike. Needs
# redis-server, redis-benchmark, haproxy, nginx with libnginx-mod-stream
# (`.ci/run` installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N1=${N1:-200000}
N16=${N16:-2000000}
PIPELINES=${PIPELINES:-"1 16"}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-set,get}
PROXY_CPU=${PROXY_CPU:-1}
OTHER_CPU=${OTHER_CPU:-0}
OUT=${OUT:-${TMPDIR:-/tmp}/mio-proxy-bench/$(date -u +%Y%m%dT%H%M%SZ)}
NGINX_STREAM=${NGINX_STREAM:-/usr/lib/nginx/modules/ngx_stream_module.so}
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

for tool in redis-server redis-benchmark redis-cli taskset python3 "$HAPROXY" "$NGINX"; do
  command -v "$tool" >/dev/null || { echo "$tool not found: run .ci/run" >&2; exit 1; }
done
[ -f "$NGINX_STREAM" ] || { echo "$NGINX_STREAM not found: install libnginx-mod-stream" >&2; exit 1; }

cargo build --quiet --release --example proxy
OURS=target/release/examples/proxy
mkdir -p "$OUT"
RESULTS=$OUT/runs.tsv
printf 'round\tpipeline\ttarget\ttest\trps\tcpu_us_per_req\n' >"$RESULTS"

# A port nothing listens on, from a base that is moved past used ones.
next_port=17400
free_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  port=$next_port
  next_port=$((next_port + 1))
}

# Waits (bounded) until something on $1 answers PING.
wait_ping() {
  for _ in $(seq 200); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.05
  done
  return 1
}

free_port
REDIS_PORT=$port
taskset -c "$OTHER_CPU" redis-server --save '' --appendonly no --port "$REDIS_PORT" --bind 127.0.0.1 \
  --daemonize no --loglevel warning >"$OUT/redis-server.log" 2>&1 &
redis_pid=$!
trap 'kill -TERM "$redis_pid" 2>/dev/null || true' EXIT
wait_ping "$REDIS_PORT" || { echo "redis-server did not start" >&2; exit 1; }

# Starts proxy $1 on $port in front of redis-server; sets $pid (the process
# that does the proxying). Waits (bounded) until a PING goes through it.
start_proxy() {
  case $1 in
    mio) taskset -c "$PROXY_CPU" "$OURS" "127.0.0.1:$port" "127.0.0.1:$REDIS_PORT" >"$OUT/mio.log" 2>&1 & ;;
    haproxy)
      cat >"$OUT/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 9000
defaults
  mode tcp
  timeout connect 1s
  timeout client 300s
  timeout server 300s
frontend front
  bind 127.0.0.1:$port
  default_backend redis
backend redis
  server redis 127.0.0.1:$REDIS_PORT
EOF
      taskset -c "$PROXY_CPU" "$HAPROXY" -db -f "$OUT/haproxy.cfg" >"$OUT/haproxy.log" 2>&1 & ;;
    nginx)
      # One process that is the one worker (master_process off), so its
      # CPU time is all the proxying.
      cat >"$OUT/nginx.conf" <<EOF
load_module $NGINX_STREAM;
worker_processes 1;
master_process off;
daemon off;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 20000; }
stream {
  server {
    listen 127.0.0.1:$port;
    proxy_pass 127.0.0.1:$REDIS_PORT;
  }
}
EOF
      taskset -c "$PROXY_CPU" "$NGINX" -e "$OUT/nginx-error.log" -p "$OUT" -c "$OUT/nginx.conf" >"$OUT/nginx.log" 2>&1 & ;;
  esac
  pid=$!
  wait_ping "$port" && return 0
  echo "$1 did not start on port $port (see $OUT/$1.log)" >&2
  kill -KILL "$pid" 2>/dev/null || true
  exit 1
}

stop_proxy() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The proxy's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$pid/stat"
}

TICKS_PER_SEC=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
  for pipeline in $PIPELINES; do
    n=$N1
    [ "$pipeline" = 1 ] || n=$N16
    for test in ${TESTS//,/ }; do
      for target in direct mio haproxy nginx; do
        if [ "$target" = direct ]; then
          target_port=$REDIS_PORT
        else
          free_port
          start_proxy "$target"
          target_port=$port
          before=$(cpu_ticks)
        fi
        csv=$(taskset -c "$OTHER_CPU" redis-benchmark -p "$target_port" -t "$test" -n "$n" -c "$CLIENTS" \
          -P "$pipeline" --csv | tail -n +2)
        cpu_us=0
        if [ "$target" != direct ]; then
          after=$(cpu_ticks)
          stop_proxy
          cpu_us=$(python3 -c "print(f'{($after - $before) / $TICKS_PER_SEC * 1e6 / $n:.3f}')")
        fi
        printf '%s\n' "$csv" | while IFS=, read -r name rps _; do
          printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$pipeline" "$target" "${name//\"/}" "${rps//\"/}" "$cpu_us"
        done >>"$RESULTS"
        echo "round $round  -P $pipeline  $target: $(printf '%s\n' "$csv" | cut -d, -f1,2 | tr -d '"') cpu ${cpu_us} us/req"
      done
    done
  done
done

python3 - "$RESULTS" "$ROUNDS" "$N1" "$N16" "$CLIENTS" <<'EOF' | tee "$OUT/summary.md"
import csv, statistics, sys
path, rounds, n1, n16, clients = sys.argv[1:]
rows = list(csv.DictReader(open(path), delimiter="\t"))
runs = {}
for r in rows:
    runs.setdefault((int(r["pipeline"]), r["test"]), {}).setdefault(r["target"], []).append(
        (float(r["rps"]), float(r["cpu_us_per_req"])))


def med(values, i):
    return statistics.median(v[i] for v in values)


print(f"\nredis-benchmark -c {clients}, -n {n1} (-P 1) / {n16} (-P 16); medians of {rounds} round(s).")
print("ops/s: higher is better; proxy CPU µs per request (user + system): lower is better;")
print("ratios are mio / haproxy (targets: ops/s >= 1.0x, CPU <= 0.8x).\n")
print("| test | -P | direct ops/s | mio ops/s | haproxy ops/s | nginx ops/s | mio/haproxy ops | "
      "mio CPU µs/req | haproxy CPU µs/req | nginx CPU µs/req | mio/haproxy CPU |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (p, test) in sorted(runs):
    t = runs[(p, test)]
    ops = {k: med(v, 0) for k, v in t.items()}
    cpu = {k: med(v, 1) for k, v in t.items()}
    print(f"| {test} | {p} | {ops['direct']:,.0f} | {ops['mio']:,.0f} | {ops['haproxy']:,.0f} | {ops['nginx']:,.0f} | "
          f"{ops['mio'] / ops['haproxy']:.2f}x | {cpu['mio']:.2f} | {cpu['haproxy']:.2f} | {cpu['nginx']:.2f} | "
          f"{cpu['mio'] / max(cpu['haproxy'], 1e-9):.2f}x |")
EOF
echo "results: $OUT"
