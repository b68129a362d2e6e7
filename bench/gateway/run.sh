#!/usr/bin/env bash
# Gateway proxy bench: requests/s and p50/p99 latency of a proxied GET (identity's
# /.well-known/oauth-authorization-server, a small JSON answer without database access) through the gateway, next
# to nginx proxying to the same upstream (identity's internal port, HTTP/1.1 keep-alive) in the same run. wrk with
# 64 connections, 3 s warm-up then 15 s measured, alternated gateway, nginx, gateway, nginx. Release binary,
# private instance `bench` (see lib.sh); everything started here is stopped at the end.
#   bench/gateway/run.sh     # BENCH_SECONDS=15 BENCH_WARMUP=3 BENCH_CONNECTIONS=64 BENCH_THREADS=2 BENCH_ROUNDS=2
#   BENCH_PATH=/.well-known/jwks.json bench/gateway/run.sh   # another GET that the gateway routes to identity
#   BENCH_SERVICE=inventory BENCH_PATH=/api/v1/stations bench/gateway/run.sh   # a public API GET that reads MySQL
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH_SECONDS=${BENCH_SECONDS:-15} BENCH_WARMUP=${BENCH_WARMUP:-3} BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_THREADS=${BENCH_THREADS:-2} BENCH_ROUNDS=${BENCH_ROUNDS:-2}
NGINX_PORT=${NGINX_PORT:-18290}
PATH_UNDER_TEST=${BENCH_PATH:-/.well-known/oauth-authorization-server}
SERVICE_UNDER_TEST=${BENCH_SERVICE:-identity}
# shellcheck source=lib.sh
source "$HERE/lib.sh"

nginx_pid=""
cleanup() {
  trap - INT TERM EXIT
  if [ -n "$nginx_pid" ]; then kill -QUIT "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  bench_cleanup
}
trap cleanup INT TERM EXIT

bench_machine "machine"
echo "wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), nginx: $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)"
bench_build
bench_prepare
# The service behind the path (the gateway finds it in its route table; nginx is told).
address_var="SETRAG_$(echo "$SERVICE_UNDER_TEST" | tr '[:lower:]' '[:upper:]')_HTTP_ADDRESS"
UPSTREAM_PORT=${!address_var##*:}

: >"$BENCH_DATA/setrag.log"
setrag_start
wait_ready 60 || { echo "setrag did not become ready:" >&2; tail -30 "$BENCH_DATA/setrag.log" >&2; exit 1; }

# nginx with its own prefix and config, in the foreground of its own process (no system service).
mkdir -p "$BENCH_DATA/nginx"
cat >"$BENCH_DATA/nginx/nginx.conf" <<CONF
user root;
worker_processes auto;
daemon off;
pid $BENCH_DATA/nginx/nginx.pid;
error_log $BENCH_DATA/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $BENCH_DATA/nginx/body;
  proxy_temp_path $BENCH_DATA/nginx/proxy;
  fastcgi_temp_path $BENCH_DATA/nginx/fastcgi;
  uwsgi_temp_path $BENCH_DATA/nginx/uwsgi;
  scgi_temp_path $BENCH_DATA/nginx/scgi;
  upstream service {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://service;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # What the gateway adds as well, so that the service does the same work behind both.
      proxy_set_header Host 127.0.0.1:$UPSTREAM_PORT;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
    }
  }
}
CONF
/usr/sbin/nginx -p "$BENCH_DATA/nginx" -c "$BENCH_DATA/nginx/nginx.conf" -e "$BENCH_DATA/nginx/error.log" -t \
  >"$BENCH_DATA/nginx/test.log" 2>&1 || { cat "$BENCH_DATA/nginx/test.log" >&2; exit 1; }
/usr/sbin/nginx -p "$BENCH_DATA/nginx" -c "$BENCH_DATA/nginx/nginx.conf" -e "$BENCH_DATA/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 1 100); do http_status "$NGINX_PORT" "$PATH_UNDER_TEST"; [ "$HTTP_STATUS" = 200 ] && break; sleep 0.05; done

gateway_url="http://127.0.0.1:$BENCH_GATEWAY_PORT$PATH_UNDER_TEST"
nginx_url="http://127.0.0.1:$NGINX_PORT$PATH_UNDER_TEST"
echo "== the request"
for pair in "gateway $gateway_url" "nginx $nginx_url"; do
  set -- $pair
  out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "$2")
  echo "$1: GET $2 -> HTTP ${out% *}, ${out#* } bytes of JSON"
  [ "${out% *}" = 200 ] || { echo "$1 does not answer 200" >&2; exit 1; }
done
echo "upstream: $SERVICE_UNDER_TEST at 127.0.0.1:$UPSTREAM_PORT, in the same setrag process as the gateway"
echo "nginx: worker_processes auto ($(nproc)), access_log off, upstream keepalive 64, proxy_http_version 1.1"
echo "setrag: log level info (no line per request), RSS before load $(mb "$(rss_kb "$setrag_pid")")"

# CPU time (user + system, in clock ticks) of a process and its children (nginx: master and workers).
cpu_ticks() { # <pid>
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)

run_wrk() { # <name> <url> <round> [<header>]  -> prints one result line, keeps wrk's output in $BENCH_DATA
  local out="$BENCH_DATA/wrk-$1-$3.txt" s0 s1 n0 n1 header=()
  [ -n "${4:-}" ] && header=(-H "$4")
  wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_WARMUP}s" "${header[@]}" "$2" >/dev/null
  s0=$(cpu_ticks "$setrag_pid") n0=$(cpu_ticks "$nginx_pid")
  wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_SECONDS}s" --latency "${header[@]}" "$2" >"$out"
  s1=$(cpu_ticks "$setrag_pid") n1=$(cpu_ticks "$nginx_pid")
  read -r rps p50 p99 non2xx errors requests < <(wrk_summary "$out")
  printf '%-11s %6s req/s   p50 %6s ms   p99 %6s ms   non-2xx %s   socket errors %s   (%s requests)' \
    "$1" "$rps" "$p50" "$p99" "$non2xx" "$errors" "$requests"
  awk -v s=$((s1 - s0)) -v n=$((n1 - n0)) -v r="$requests" -v hz="$HZ" 'BEGIN {
    if (r > 0) printf "   CPU/request: setrag %.0f us, nginx %.0f us", s * 1e6 / hz / r, n * 1e6 / hz / r }'
  echo
  eval "rps_$1_$3=$rps cpu_$1_$3=$(awk -v s=$((s1 - s0)) -v r="$requests" -v hz="$HZ" \
    'BEGIN { printf "%.0f", (r > 0 ? s * 1e6 / hz / r : 0) }')"
}

echo "== proxied GET, $BENCH_CONNECTIONS connections, $BENCH_THREADS wrk threads, ${BENCH_WARMUP}s warm-up +" \
  "${BENCH_SECONDS}s measured each (wrk on the same machine)"
echo "(CPU/request: setrag = gateway + $SERVICE_UNDER_TEST in one process; behind nginx it is $SERVICE_UNDER_TEST alone)"
echo "-- reference: $SERVICE_UNDER_TEST directly, no proxy"
run_wrk direct "http://127.0.0.1:$UPSTREAM_PORT$PATH_UNDER_TEST" 0
for round in $(seq 1 "$BENCH_ROUNDS"); do
  echo "-- round $round"
  run_wrk gateway "$gateway_url" "$round"
  run_wrk nginx "$nginx_url" "$round"
  # The same GET with an Origin header (one the gateway does not list): it takes the gateway's long path (the
  # server's request task and the middleware), as browsers' and signed-in callers' requests do.
  run_wrk gateway_long "$gateway_url" "$round" "Origin: http://bench.invalid"
done

echo "== gateway / nginx (target >= 0.6)"
for round in $(seq 1 "$BENCH_ROUNDS"); do
  eval "g=\$rps_gateway_$round n=\$rps_nginx_$round gc=\$cpu_gateway_$round nc=\$cpu_nginx_$round"
  eval "l=\$rps_gateway_long_$round lc=\$cpu_gateway_long_$round"
  awk -v r="$round" -v g="$g" -v n="$n" -v gc="$gc" -v nc="$nc" -v l="$l" -v lc="$lc" 'BEGIN {
    ratio = n > 0 ? g / n : 0
    printf "round %d: %.2f (%s); the gateway itself costs ~%d us CPU per request (setrag %d us through it," \
      " %d us behind nginx)\n", r, ratio, ratio >= 0.6 ? "meets the target" : "BELOW the target", gc - nc, gc, nc
    printf "         long path (Origin header): %.2f of nginx, ~%d us of gateway CPU per request\n",
      (n > 0 ? l / n : 0), lc - nc }'
done
echo "setrag RSS after load: $(mb "$(rss_kb "$setrag_pid")") (peak $(mb "$(hwm_kb "$setrag_pid")"))"
echo "setrag log: $(wc -l <"$BENCH_DATA/setrag.log") lines during the run; warnings/errors:" \
  "$(grep -c '"level":"\(warning\|error\|critical\)"' "$BENCH_DATA/setrag.log" || true)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk outputs: $BENCH_DATA/wrk-*.txt"
