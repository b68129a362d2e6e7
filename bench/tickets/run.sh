#!/usr/bin/env bash
# Tickets bench (issue 3's figures), all through the gateway of a private release instance (`bench`, see
# bench/gateway/lib.sh), in one run:
#  1. Holds: 64 customers book seats on ONE busy trip (train 211, Owendo -> Franceville) on random overlapping journeys
#     (POST /api/v1/bookings: booking takes a hold on every seat-leg of the journey in inventory), three bookings in four
#     cancelled at once so seats churn; bookings/s, p50/p99, refusals, and then, in MySQL, the number of seat-legs
#     held or sold twice (pairs of live holds on the same seat with overlapping legs: must be 0). Alternated, on a
#     fresh trip each round, with the BASELINE: the same platform restarted with inventory.hold_locking=train-row,
#     where every hold locks the train's row, reads, then writes (the way simple systems serialise sales).
#  2. Trip searches: wrk, 64 connections, GET /api/v1/trips?from=OWE&to=FCV&date=<a Tuesday>&passengers=2.
#  3. Ticket verifications: wrk, 64 connections, POST /api/v1/tickets/verify (a conductor's token; 20 signed tickets in
#     turn: Ed25519 signature check, the booking's state, the scan journalled and second scans flagged).
#   bench/tickets/run.sh     # BENCH_SECONDS=15 BENCH_CLIENTS=64 BENCH_ROUNDS=2
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH_SECONDS=${BENCH_SECONDS:-15} BENCH_CLIENTS=${BENCH_CLIENTS:-64} BENCH_ROUNDS=${BENCH_ROUNDS:-2}
# shellcheck source=../gateway/lib.sh
source "$ROOT/bench/gateway/lib.sh"
trap bench_cleanup INT TERM EXIT
OUT="$ROOT/.data/bench-tickets"
mkdir -p "$OUT"
PY="$ROOT/.venv/bin/python"

bench_machine "tickets: holds, searches, verifications"
echo "wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
bench_build
# Every quota class raised for the bench (one address sends everything); bcrypt cost 8 only to sign up the bench's
# customers quickly (not measured).
export SETRAG_GATEWAY_QUOTA_WRITE_RATE_PER_MINUTE=$BENCH_QUOTA SETRAG_GATEWAY_QUOTA_WRITE_BURST=$BENCH_QUOTA
export SETRAG_GATEWAY_QUOTA_AUTH_RATE_PER_MINUTE=$BENCH_QUOTA SETRAG_GATEWAY_QUOTA_AUTH_BURST=$BENCH_QUOTA
export SETRAG_IDENTITY_BCRYPT_COST=8
bench_prepare
"$BIN" seed --demo >"$BENCH_DATA/seed-demo.log" 2>&1 || { cat "$BENCH_DATA/seed-demo.log" >&2; exit 1; }
echo "quotas: write and auth classes raised the same way"
export SETRAG_BASE_URL="http://127.0.0.1:$BENCH_GATEWAY_PORT"
INVENTORY_DB=setrag_bench_inventory
sql() { mariadb --no-defaults -S "$SETRAG_DB_SOCKET" -uroot -N "$INVENTORY_DB" -e "$1"; }

log_name=""
keep_log() { # the running instance's log, as $OUT/setrag-<name>.log
  setrag_stop
  if [ -n "$log_name" ]; then mv "$BENCH_DATA/setrag.log" "$OUT/setrag-$log_name.log"; fi
  : >"$BENCH_DATA/setrag.log"
}
start_with() { # <hold locking> <log name>
  keep_log
  log_name=$2
  SETRAG_INVENTORY_HOLD_LOCKING=$1 setrag_start
  wait_ready 60 || { echo "setrag did not become ready:" >&2; tail -30 "$BENCH_DATA/setrag.log" >&2; exit 1; }
}

start_with seat-legs setup
echo "== setup (not measured)"
"$PY" "$HERE/setup.py" --clients "$BENCH_CLIENTS" --out "$OUT"
mapfile -t TRIPS <"$OUT/trips.txt"

# Pairs of live holds of the trip on the same seat whose journeys share a leg: a seat-leg held or sold twice.
double_sold() { # <trip id>
  sql "SELECT COUNT(*) FROM hold_seats a
       JOIN holds ha ON ha.id = a.hold_id
       JOIN hold_seats b ON b.coach_position = a.coach_position AND b.seat_number = a.seat_number AND b.hold_id > a.hold_id
       JOIN holds hb ON hb.id = b.hold_id
       WHERE ha.trip_id = $1 AND hb.trip_id = $1 AND ha.status IN ('held', 'confirmed')
         AND hb.status IN ('held', 'confirmed') AND ha.first_leg <= hb.last_leg AND hb.first_leg <= ha.last_leg"
}
# Live holds of the trip that do not own every seat-leg of their journey (a success without its seats).
missing_legs() { # <trip id>
  sql "SELECT COUNT(*) FROM (
         SELECT h.id, (h.last_leg - h.first_leg + 1) * (SELECT COUNT(*) FROM hold_seats s WHERE s.hold_id = h.id) AS want,
                (SELECT COUNT(*) FROM seat_legs l WHERE l.trip_id = h.trip_id AND l.hold_id = h.id) AS got
         FROM holds h WHERE h.trip_id = $1 AND h.status IN ('held', 'confirmed')) x WHERE want <> got"
}

echo "== holds: $BENCH_CLIENTS clients, ${BENCH_SECONDS} s per round, one fresh trip per round"
round=0
for _ in $(seq 1 "$BENCH_ROUNDS"); do
  for mode in seat-legs train-row; do
    read -r trip day <<<"${TRIPS[$round]}"
    round=$((round + 1))
    start_with "$mode" "round$round-$mode"
    result=$("$PY" "$HERE/holds.py" --base "$SETRAG_BASE_URL" --trip "$trip" --seconds "$BENCH_SECONDS" \
      --tokens "$OUT/tokens.txt" --seed "$round")
    live=$(sql "SELECT COUNT(*) FROM holds WHERE trip_id = $trip AND status IN ('held', 'confirmed')")
    echo "$mode trip $trip ($day): $result"
    echo "$mode trip $trip: live holds $live, seat-legs held or sold twice: $(double_sold "$trip"), live holds without all their seat-legs: $(missing_legs "$trip")"
  done
done

start_with seat-legs reads
tuesday=$(cut -d' ' -f2 <"$OUT/trips.txt" | tail -1)
echo "== trip searches: wrk -t2 -c64, ${BENCH_SECONDS} s after 3 s warm-up"
search="$SETRAG_BASE_URL/api/v1/trips?from=OWE&to=FCV&date=$tuesday&passengers=2"
wrk -t2 -c64 -d3s "$search" >/dev/null
wrk -t2 -c64 -d"${BENCH_SECONDS}s" --latency "$search" >"$OUT/search.txt"
read -r rps p50 p99 non2xx errors requests <<<"$(wrk_summary "$OUT/search.txt")"
echo "searches: $rps req/s, p50 $p50 ms, p99 $p99 ms ($requests requests, non-2xx $non2xx, socket errors $errors)"

echo "== ticket verifications: wrk -t2 -c64, ${BENCH_SECONDS} s after 3 s warm-up"
{
  echo "local codes = {"
  sed 's/.*/  "&",/' "$OUT/tickets.txt"
  echo "}"
  echo "local token = \"$(cat "$OUT/conductor.txt")\""
  cat <<'LUA'
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/tickets/verify", nil, '{"qr": "' .. codes[(n % #codes) + 1] .. '"}')
end
LUA
} >"$OUT/verify.lua"
verify="$SETRAG_BASE_URL/api/v1/tickets/verify"
wrk -t2 -c64 -d3s -s "$OUT/verify.lua" "$verify" >/dev/null
wrk -t2 -c64 -d"${BENCH_SECONDS}s" --latency -s "$OUT/verify.lua" "$verify" >"$OUT/verify.txt"
read -r rps p50 p99 non2xx errors requests <<<"$(wrk_summary "$OUT/verify.txt")"
echo "verifications: $rps req/s, p50 $p50 ms, p99 $p99 ms ($requests requests, non-2xx $non2xx, socket errors $errors)"
keep_log
echo "logs: $OUT/setrag-*.log"
echo "scans journalled: $(mariadb --no-defaults -S "$SETRAG_DB_SOCKET" -uroot -N setrag_bench_booking -e 'SELECT COUNT(*) FROM ticket_scans' 2>/dev/null || echo '?')"
