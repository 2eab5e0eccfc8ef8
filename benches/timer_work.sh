#!/usr/bin/env bash
# The timer wheel's work per timer, counted rather than timed: runs the timer
# bench's wheel rounds (`--wheel-only`) under callgrind at N = 10k, 100k and
# 1M, the same 2M timers in all at each size, and prints the instructions
# executed per timer in the wheel's own code (mio-core/src/timer/) and in
# the whole round. Instruction counts do not depend on the machine's load, so
# they tell apart what the wheel does per timer (flat if the algorithm is)
# from what its memory costs (the timed bench's growth from 10k to 1M).
#
#   benches/timer_work.sh              # about 2 minutes; needs valgrind
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || {
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
}
bench=$(cargo bench --bench timer --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[[ -x "$bench" ]] || { echo "could not build the timer bench" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total_timers=2000000 # --wheel-only runs the wheel twice per round
printf '%9s %22s %22s\n' N "Ir/timer, wheel code" "Ir/timer, whole round"
for n in 10000 100000 1000000; do
    reps=$((total_timers / 2 / n))
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" --toggle-collect='*wheel_round*' \
        "$bench" --wheel-only --n "$n" --reps "$reps" >/dev/null 2>&1
    callgrind_annotate "$work/cg.$n" 2>/dev/null | awk -v n="$n" -v t="$total_timers" '
        /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
        /memset/ { gsub(",", "", $1); setup += $1 }      # zeroing a new wheel and the buffers
        /mio-core\/src\/timer\// { gsub(",", "", $1); wheel += $1 }
        END { printf "%9d %22.0f %22.0f\n", n, wheel / t, (total - setup) / t }'
done
