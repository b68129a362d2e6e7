#!/usr/bin/env bash
# Tracking bench (issue 4's figures), on a private release instance (`bench`, see bench/gateway/lib.sh):
#  1. Nominal load: BENCH_DEVICES (1000) trackers each publish one fix a second over MQTT (QoS 1, a few connections,
#     the tracker's key in each message) for BENCH_SECONDS (30); tracking stores them (MQTT flush every 500 ms).
#     Prints fixes stored per second, the broker-to-database lag (a fix's time to the time its batch was written,
#     from positions.received_at) p50/p99, and, for the trackers on a train run, the latency from publish to a
#     WebSocket client of /api/v1/live through the gateway (subscribed to every train), p50/p99.
#  2. Saturation: the same trackers offered BENCH_SATURATION_RATE (5) fixes a second each: what tracking sustains.
#  3. Next to it, in the same run: a plain loop of multi-row INSERTs (BENCH_BATCH rows, 500) into the same positions
#     table, one connection, BENCH_PLAIN_SECONDS (10): the database's own pace for this table; the ratio.
#   bench/tracking/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH_DEVICES=${BENCH_DEVICES:-1000} BENCH_SECONDS=${BENCH_SECONDS:-30} BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_SATURATION_RATE=${BENCH_SATURATION_RATE:-5} BENCH_PLAIN_SECONDS=${BENCH_PLAIN_SECONDS:-10}
BENCH_BATCH=${BENCH_BATCH:-500}
# shellcheck source=../gateway/lib.sh
source "$ROOT/bench/gateway/lib.sh"
trap bench_cleanup INT TERM EXIT
OUT="$ROOT/.data/bench-tracking"
mkdir -p "$OUT"
PY="$ROOT/.venv/bin/python"

bench_machine "tracking: MQTT ingestion, plain INSERT loop, publish to WebSocket"
bench_build
bench_prepare
: >"$BENCH_DATA/setrag.log"
setrag_start
wait_ready 60 || { echo "setrag did not become ready:" >&2; tail -30 "$BENCH_DATA/setrag.log" >&2; exit 1; }
export SETRAG_DB_SOCKET SETRAG_MQTT_PORT
echo "== setup (not measured)"
"$PY" "$HERE/load.py" setup --devices "$BENCH_DEVICES" --runs "$BENCH_RUNS" --out "$OUT"
ws="ws://127.0.0.1:$BENCH_GATEWAY_PORT/api/v1/live"
cpu() { awk '{print $14 + $15}' "/proc/$setrag_pid/stat"; }
HZ=$(getconf CLK_TCK)

echo "== 1. nominal: $BENCH_DEVICES trackers x 1 fix/s for ${BENCH_SECONDS}s"
c0=$(cpu)
"$PY" "$HERE/load.py" mqtt --devices-file "$OUT/devices.json" --rate 1 --seconds "$BENCH_SECONDS" --ws "$ws" \
  | tee "$OUT/nominal.txt"
c1=$(cpu)
echo "setrag CPU during the phase: $(awk -v c=$((c1 - c0)) -v hz="$HZ" -v s="$BENCH_SECONDS" \
  'BEGIN { printf "%.0f%% of one core", c / hz / (s + 5) * 100 }')"

echo "== 2. saturation: $BENCH_DEVICES trackers x $BENCH_SATURATION_RATE fixes/s for ${BENCH_SECONDS}s"
"$PY" "$HERE/load.py" mqtt --devices-file "$OUT/devices.json" --rate "$BENCH_SATURATION_RATE" \
  --seconds "$BENCH_SECONDS" --drain 10 --ws "$ws" | tee "$OUT/saturation.txt"

echo "== 3. plain multi-row INSERT loop into the same table, ${BENCH_PLAIN_SECONDS}s"
"$PY" "$HERE/load.py" plain --seconds "$BENCH_PLAIN_SECONDS" --batch "$BENCH_BATCH" | tee "$OUT/plain.txt"

stored=$(tail -1 "$OUT/saturation.txt" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["stored_per_s"])')
plain=$(tail -1 "$OUT/plain.txt" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["plain_rows_per_s"])')
echo "== ratio: tracking over MQTT $stored fixes/s / plain INSERT loop $plain rows/s =" \
  "$(awk -v a="$stored" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')"
echo "setrag log: warnings/errors $(grep -c '"level":"\(warning\|error\|critical\)"' "$BENCH_DATA/setrag.log" || true)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
