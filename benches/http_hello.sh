#!/usr/bin/env bash
# Side by side: our http_hello against nginx (Debian's, one worker,
# `return 200 "hello"`, keep-alive) under `wrk -t1 -c100 -d5s`, servers
# pinned to CPU 1 and wrk to CPU 0, interleaved, ROUNDS rounds; prints the
# median requests/s of each and the ratio ours/nginx, plus server CPU
# seconds per 100k requests. Rounds alternate who goes first (ABBA); the
# median of the per-round ratios is printed too (robust to load drift on a
# shared machine: check `cat /proc/loadavg` first, rerun if noisy). On 2
# cores wrk saturates its own core first, so requests/s lands near parity
# and swings with other load; the CPU column (server CPU per request) is
# what separates the servers there.
#
#   benches/http_hello.sh              # ROUNDS=3 SECS=5 CONNS=100
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} SECS=${SECS:-5} CONNS=${CONNS:-100}
SERVER_CPU=${SERVER_CPU:-1} CLIENT_CPU=${CLIENT_CPU:-0}
PORT_OURS=${PORT_OURS:-18080} PORT_NGINX=${PORT_NGINX:-18081}

need=""
command -v nginx >/dev/null || need="$need nginx-light"
command -v wrk >/dev/null || need="$need wrk"
if [[ -n "$need" ]]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
cargo build --release --example http_hello
OURS=$PWD/target/release/examples/http_hello

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$PORT_NGINX;
        location / { default_type text/plain; return 200 "hello"; }
    }
}
CONF

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_one() { # name cmd port
    local name=$1 port=$3
    taskset -c "$SERVER_CPU" $2 > "$work/logs/$name.out" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
    local t0; t0=$(cpu_ticks "$pid")
    local out; out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" "http://127.0.0.1:$port/")
    local t1; t1=$(cpu_ticks "$pid")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    local reqs; reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    local errs; errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    local cpu; cpu=$(awk -v d=$((t1 - t0)) -v r="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", d / hz / r * 100000}')
    echo "$name round=$round rps=$rps cpu_s_per_100k=$cpu $errs" | tee -a "$work/results.txt"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
    # ABBA: alternate who goes first, so a load drift does not favour one side.
    if (( round % 2 )); then
        run_one ours "$OURS 127.0.0.1:$PORT_OURS" "$PORT_OURS"
        run_one nginx "nginx -c $work/nginx.conf" "$PORT_NGINX"
    else
        run_one nginx "nginx -c $work/nginx.conf" "$PORT_NGINX"
        run_one ours "$OURS 127.0.0.1:$PORT_OURS" "$PORT_OURS"
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ours=$(awk '/^ours/ {sub("rps=","",$3); print $3}' "$work/results.txt" | median)
nginx=$(awk '/^nginx/ {sub("rps=","",$3); print $3}' "$work/results.txt" | median)
ours_cpu=$(awk '/^ours/ {sub("cpu_s_per_100k=","",$4); print $4}' "$work/results.txt" | median)
nginx_cpu=$(awk '/^nginx/ {sub("cpu_s_per_100k=","",$4); print $4}' "$work/results.txt" | median)
echo
echo "| server | requests/s (median of $ROUNDS) | server CPU s per 100k requests |"
echo "|---|---:|---:|"
echo "| http_hello (ours) | $ours | $ours_cpu |"
echo "| nginx (1 worker) | $nginx | $nginx_cpu |"
awk -v a="$ours" -v b="$nginx" 'BEGIN {printf "\nratio ours/nginx (requests/s, of the medians): %.2fx\n", a / b}'
# Each round's pair ran back to back: the median of their ratios is less
# sensitive to load that changes between rounds.
paired=$(awk '/^ours/ {sub("rps=","",$3); o[$2]=$3} /^nginx/ {sub("rps=","",$3); n[$2]=$3}
    END {for (r in o) printf "%.4f\n", o[r] / n[r]}' "$work/results.txt" | median)
awk -v p="$paired" 'BEGIN {printf "ratio ours/nginx (requests/s, median of per-round ratios): %.2fx\n", p}'
