#!/usr/bin/env bash
# Start-up bench: time from launching `setrag serve --target all` (release binary, migrated database) to the first
# 200 from the gateway's /readyz, polled every 10 ms (min and median of 5 runs); resident memory (VmRSS) idle 5 s
# after ready, then after a proxied-GET load like bench/gateway's (wrk, 64 connections) and 5 s after it.
# Private instance `bench` (see ../gateway/lib.sh); everything started here is stopped at the end.
#   bench/startup/run.sh     # BENCH_RUNS=5 BENCH_LOAD_SECONDS=15 BENCH_CONNECTIONS=64
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH_RUNS=${BENCH_RUNS:-5} BENCH_LOAD_SECONDS=${BENCH_LOAD_SECONDS:-15} BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
# shellcheck source=../gateway/lib.sh
source "$ROOT/bench/gateway/lib.sh"
trap 'trap - INT TERM EXIT; bench_cleanup' INT TERM EXIT

bench_machine "machine"
bench_build
bench_prepare
: >"$BENCH_DATA/setrag.log"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== launch to first 200 on /readyz (polled every 10 ms), $BENCH_RUNS runs"
times=() idle=() stops=()
for run in $(seq 1 "$BENCH_RUNS"); do
  started=${EPOCHREALTIME/./}
  setrag_start
  wait_ready 60 || { echo "setrag did not become ready:" >&2; tail -30 "$BENCH_DATA/setrag.log" >&2; exit 1; }
  ready_us=$(( ${EPOCHREALTIME/./} - started ))
  sleep 5
  rss=$(rss_kb "$setrag_pid")
  stopping=${EPOCHREALTIME/./}
  setrag_stop
  stop_us=$(( ${EPOCHREALTIME/./} - stopping ))
  times+=("$ready_us") idle+=("$rss") stops+=("$stop_us")
  printf 'run %d: ready in %6.1f ms   RSS idle 5 s later %s   SIGTERM to exit %6.1f ms\n' "$run" \
    "$(awk -v u="$ready_us" 'BEGIN { print u / 1000 }')" "$(mb "$rss")" "$(awk -v u="$stop_us" 'BEGIN { print u / 1000 }')"
done
min_ms=$(printf '%s\n' "${times[@]}" | sort -n | head -1 | awk '{ printf "%.1f", $1 / 1000 }')
median_ms=$(printf '%s\n' "${times[@]}" | median | awk '{ printf "%.1f", $1 / 1000 }')
echo "ready: min $min_ms ms, median $median_ms ms"
echo "RSS idle (5 s after ready): median $(mb "$(printf '%s\n' "${idle[@]}" | median)")"

echo "== RSS under load: wrk ${BENCH_LOAD_SECONDS}s, $BENCH_CONNECTIONS connections, proxied GET" \
  "/.well-known/oauth-authorization-server"
setrag_start
wait_ready 60 || { echo "setrag did not become ready" >&2; exit 1; }
sleep 5
echo "idle before load: $(mb "$(rss_kb "$setrag_pid")")"
wrk -t2 -c"$BENCH_CONNECTIONS" -d"${BENCH_LOAD_SECONDS}s" --latency \
  "http://127.0.0.1:$BENCH_GATEWAY_PORT/.well-known/oauth-authorization-server" >"$BENCH_DATA/wrk-startup-load.txt"
read -r rps p50 p99 non2xx errors requests < <(wrk_summary "$BENCH_DATA/wrk-startup-load.txt")
echo "load: $requests requests, $rps req/s, non-2xx $non2xx, socket errors $errors"
echo "right after load: $(mb "$(rss_kb "$setrag_pid")") (peak $(mb "$(hwm_kb "$setrag_pid")"))"
sleep 5
echo "5 s after load: $(mb "$(rss_kb "$setrag_pid")")"
