# Shared by bench/gateway/run.sh and bench/startup/run.sh: the machine header, the release build and a private
# platform instance named `bench` (MariaDB on 3318, Mosquitto on 1888, gateway on 18280, identity on 18301,
# databases setrag_bench_*). Source it after setting ROOT; call bench_cleanup from an EXIT trap.

export SETRAG_ROOT="$ROOT"
# shellcheck source=../../script/lib/services.sh
source "$ROOT/script/lib/services.sh"
# shellcheck source=../../script/lib/env.sh
source "$ROOT/script/lib/env.sh"

BENCH_DATA="$ROOT/.data/bench-gateway"
BENCH_GATEWAY_PORT=18280
BENCH_SERVICE_PORT=18301
# The quota settings accept 1..1000000 (GatewayConfiguration: range 1...1_000_000); a larger value is refused at
# start-up, so the bench raises the read quota to that maximum: ~16 700 GET/s refill on top of a 1 000 000 burst,
# far more than one bench run sends.
BENCH_QUOTA=${BENCH_QUOTA:-1000000}

setrag_pid=""
services_started=""

bench_machine() { # <title>
  echo "== $1"
  echo "date (UTC): $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "git commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    git -C "$ROOT" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || echo ' (+ uncommitted changes in Sources or Package.swift)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
  echo "swift: $(swift --version 2>&1 | head -1)"
}

# Builds the release binary (one Swift build at a time on this machine: always through the lock); sets BIN.
bench_build() {
  echo "== build (release, waits for /tmp/setrag-swift-build.lock)"
  (cd "$ROOT" && flock /tmp/setrag-swift-build.lock swift build -c release --product setrag 2>&1 | tail -1)
  BIN="$(cd "$ROOT" && flock /tmp/setrag-swift-build.lock swift build -c release --show-bin-path)/setrag"
  [ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }
}

# Private MariaDB + Mosquitto, the instance's settings and fresh, migrated and seeded setrag_bench_* databases.
bench_prepare() {
  mkdir -p "$BENCH_DATA"
  services_started=1
  services_start bench 3318 1888
  platform_env bench "$BENCH_GATEWAY_PORT" "$BENCH_SERVICE_PORT"
  export SETRAG_DB_PREFIX=setrag_bench SETRAG_LOG_LEVEL=info
  export SETRAG_GATEWAY_QUOTA_READ_RATE_PER_MINUTE=$BENCH_QUOTA SETRAG_GATEWAY_QUOTA_READ_BURST=$BENCH_QUOTA
  mariadb --no-defaults -S "$SETRAG_DB_SOCKET" -uroot -N -e \
    "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'setrag\_bench\_%'" |
    while read -r db; do mariadb --no-defaults -S "$SETRAG_DB_SOCKET" -uroot -e "DROP DATABASE \`$db\`"; done
  "$BIN" migrate >"$BENCH_DATA/migrate.log" 2>&1 || { cat "$BENCH_DATA/migrate.log" >&2; exit 1; }
  "$BIN" seed >"$BENCH_DATA/seed.log" 2>&1 || { cat "$BENCH_DATA/seed.log" >&2; exit 1; }
  echo "instance: bench (MariaDB 3318, Mosquitto 1888, gateway 127.0.0.1:$BENCH_GATEWAY_PORT," \
    "identity 127.0.0.1:$BENCH_SERVICE_PORT, databases setrag_bench_*), migrated and seeded"
  echo "quotas: gateway.quota.read.rate_per_minute=$BENCH_QUOTA, gateway.quota.read.burst=$BENCH_QUOTA" \
    "(raised for the bench; defaults 600/min, burst 300)"
}

# Starts `setrag serve --target all` in the background (log appended to $BENCH_DATA/setrag.log); sets setrag_pid.
setrag_start() {
  "$BIN" serve --target all >>"$BENCH_DATA/setrag.log" 2>&1 &
  setrag_pid=$!
}

setrag_stop() {
  [ -n "$setrag_pid" ] || return 0
  kill -TERM "$setrag_pid" 2>/dev/null || true
  wait "$setrag_pid" 2>/dev/null || true
  setrag_pid=""
}

# One HTTP/1.1 GET through bash's /dev/tcp (no process started, so polling every 10 ms measures the server, not
# fork+exec of curl); sets HTTP_STATUS to the status code, or to nothing when the port refuses.
http_status() { # <port> <path>
  local line=""
  HTTP_STATUS=""
  { exec 7<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&7 2>/dev/null || true
  read -r -t 3 -u 7 line 2>/dev/null || true
  exec 7>&-
  line=${line%$'\r'}
  line=${line#* }
  HTTP_STATUS=${line%% *}
  return 0
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# Waits until the gateway's /readyz answers 200, polling every 10 ms; fails after <seconds> or if setrag exits.
wait_ready() { # <seconds>
  local deadline=$(( ${EPOCHREALTIME/./} + $1 * 1000000 ))
  while [ "${EPOCHREALTIME/./}" -lt "$deadline" ]; do
    kill -0 "$setrag_pid" 2>/dev/null || return 1
    http_status "$BENCH_GATEWAY_PORT" /readyz
    [ "$HTTP_STATUS" = 200 ] && return 0
    sleep 0.01
  done
  return 1
}

# wrk's summary as one line: "<req/s> <p50 ms> <p99 ms> <non-2xx> <socket errors> <requests>".
wrk_summary() { # <wrk output file>
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    / requests in / { requests = $1 }
    END { printf "%.0f %.2f %.2f %d %d %d\n", rps, p50, p99, non2xx, errors, requests }' "$1"
}

bench_cleanup() {
  setrag_stop
  if [ -n "$services_started" ]; then services_stop bench; fi
}
