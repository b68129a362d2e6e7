#!/usr/bin/env bash
# MySQL driver bench: point selects/s and single-row inserts/s through SetragMySQL's pool with 32 concurrent
# tasks (~10 s each), next to the same workloads run by plain clients in the same run: mariadb-slap (C, text
# protocol) and PyMySQL (32 threads). Uses a private MariaDB under .data/bench (port 3317) unless
# SETRAG_DB_HOST/SETRAG_DB_PORT point elsewhere.
#   bench/mysql/run.sh            # BENCH_SECONDS=10 BENCH_TASKS=32 BENCH_POOL=32 BENCH_ROWS=10000
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export BENCH_SECONDS=${BENCH_SECONDS:-10} BENCH_TASKS=${BENCH_TASKS:-32} BENCH_POOL=${BENCH_POOL:-32}
export BENCH_ROWS=${BENCH_ROWS:-10000} BENCH_DB=${BENCH_DB:-setrag_bench}

started_server=""
if [ -z "${SETRAG_DB_PORT:-}" ]; then
  # shellcheck source=../../script/lib/services.sh
  source "$ROOT/script/lib/services.sh"
  dir="$ROOT/.data/bench/mariadb"
  if ! { [ -f "$dir/mysqld.pid" ] && kill -0 "$(cat "$dir/mysqld.pid")" 2>/dev/null; }; then started_server=$dir; fi
  mariadb_start "$dir" 3317
  export SETRAG_DB_HOST=127.0.0.1 SETRAG_DB_PORT=3317 SETRAG_DB_USER=root SETRAG_DB_PASSWORD=""
fi
cleanup() { if [ -n "$started_server" ]; then mariadb_stop "$started_server"; fi; }
trap cleanup EXIT

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
MYSQL=(mariadb --no-defaults -h "$SETRAG_DB_HOST" -P "$SETRAG_DB_PORT" -u "$SETRAG_DB_USER")
[ -n "${SETRAG_DB_PASSWORD:-}" ] && MYSQL+=(-p"$SETRAG_DB_PASSWORD")
echo "server: $("${MYSQL[@]}" -N -e 'SELECT CONCAT(VERSION(), ", innodb_flush_log_at_trx_commit=", @@innodb_flush_log_at_trx_commit)')"
echo "swift: $(swift --version 2>&1 | head -1)"

echo "== build (release)"
cd "$HERE"
flock /tmp/setrag-swift-build.lock swift build -c release --product MySQLBench 2>&1 | tail -1
BIN="$HERE/.build/release/MySQLBench"

"$BIN" setup
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; cleanup' EXIT

echo "== point selects (${BENCH_SECONDS}s each, ${BENCH_TASKS} concurrent)"
swift_out=$("$BIN" select); echo "$swift_out"
rate=$(echo "$swift_out" | sed -E 's/.*: ([0-9]+) ops\/s.*/\1/')
for i in $(seq 1 2000); do echo "SELECT id, k, name, created FROM bench_rows WHERE id = $(( (i * 7919) % BENCH_ROWS + 1 ));"; done >"$tmp/select.sql"
slap() { # <file> <queries> <label>
  local out secs
  out=$(mariadb-slap --no-defaults -h "$SETRAG_DB_HOST" -P "$SETRAG_DB_PORT" -u "$SETRAG_DB_USER" ${SETRAG_DB_PASSWORD:+-p"$SETRAG_DB_PASSWORD"} \
    --create-schema="$BENCH_DB" --concurrency="$BENCH_TASKS" --iterations=1 --number-of-queries="$2" --query="$1" --delimiter=";")
  secs=$(echo "$out" | awk '/Average number of seconds/ {print $(NF-1)}')
  awk -v n="$2" -v s="$secs" -v l="$3" -v c="$BENCH_TASKS" 'BEGIN { printf "mariadb-slap %s: %.0f ops/s (%d queries in %.1f s, %d clients)\n", l, n / s, n, s, c }'
}
slap "$tmp/select.sql" $(( rate * ${BENCH_SECONDS%.*} )) "point select"
"$ROOT/.venv/bin/python" "$HERE/plain_client.py" select 2>/dev/null || echo "pymysql: unavailable (no $ROOT/.venv with pymysql)"

echo "== single-row inserts (autocommit, one row per statement)"
swift_out=$("$BIN" insert); echo "$swift_out"
rate=$(echo "$swift_out" | sed -E 's/.*: ([0-9]+) ops\/s.*/\1/')
for i in $(seq 1 2000); do echo "INSERT INTO bench_inserts (k, name, created) VALUES ($((90000000 + i)), 'voyageur-$i', NOW(6));"; done >"$tmp/insert.sql"
slap "$tmp/insert.sql" $(( rate * ${BENCH_SECONDS%.*} )) "single-row insert"
"$ROOT/.venv/bin/python" "$HERE/plain_client.py" insert 2>/dev/null || echo "pymysql: unavailable"
