#!/usr/bin/env bash
# 10,000 concurrent connections held and used on each example server: each
# connection does one request (echo: a line; http_hello: a GET; resp_kv: a
# SET and a GET), then all are held open together. Prints the server's
# resident memory before and with them, and the bytes per connection.
#
#   benches/hold.sh                 # N=10000, echo http_hello resp_kv
#   N=20000 SERVERS=echo benches/hold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SERVERS=${SERVERS:-echo http_hello resp_kv}
# The client holds N sockets and the server N connections: raise the fd
# limit for both (they inherit it from this shell).
ulimit -n $((N + 1024)) || { echo "cannot raise RLIMIT_NOFILE to $((N + 1024)) (run as root, or raise the hard limit)"; exit 1; }
cargo build -q --release --example echo --example http_hello --example resp_kv
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

printf 'server\tconnections\trss before (KiB)\trss held (KiB)\tbytes per connection\n'
port=27700
for name in $SERVERS; do
    port=$((port + 1))
    case $name in echo) kind=echo ;; http_hello) kind=http ;; resp_kv) kind=resp ;; *) echo "unknown $name"; exit 1 ;; esac
    target/release/examples/"$name" "127.0.0.1:$port" >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    before=$(rss "$server")
    # The client holds its connections until its stdin closes.
    coproc HOLD { python3 benches/soak_client.py hold "$kind" "$port" "$N"; }
    read -r held <&"${HOLD[0]}"
    sleep 1
    with=$(rss "$server")
    exec {HOLD[1]}>&-
    wait "$HOLD_PID" 2>/dev/null || true
    kill -TERM "$server"; wait "$server" 2>/dev/null || true
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${held#held=}" "$before" "$with" $(((with - before) * 1024 / N))
done
