# Private MariaDB and Mosquitto under .data/<name>/, on their own ports and sockets.
# Source this file, then: services_start <name> <mysql-port> <mqtt-port>; services_stop <name>.
# Exports SETRAG_DB_* and SETRAG_MQTT_* for the started servers. Starting twice reuses running servers.

SETRAG_ROOT="${SETRAG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

_wait_for() { # <seconds> <command...>
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

mariadb_start() { # <dir> <port>
  local dir=$1 port=$2
  mkdir -p "$dir"
  local sock="$dir/mysqld.sock" pidfile="$dir/mysqld.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
     && mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
    return 0
  fi
  if [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
      --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; return 1; }
  fi
  mariadbd --no-defaults --user=root --datadir="$dir/data" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$pidfile" --log-error="$dir/error.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-flush-log-at-trx-commit=1 --max-connections=500 --innodb-buffer-pool-size=256M \
    --skip-name-resolve >/dev/null 2>&1 &
  _wait_for 30 mariadb-admin --no-defaults --socket="$sock" -uroot ping || { tail -20 "$dir/error.log"; return 1; }
}

mariadb_stop() { # <dir>
  local pidfile="$1/mysqld.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

mosquitto_start() { # <dir> <port>
  local dir=$1 port=$2
  mkdir -p "$dir"
  local pidfile="$dir/mosquitto.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  # Queued messages are bounded by memory, not by the 1000-message default that drops silently.
  cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
autosave_interval 1
max_queued_messages 0
max_inflight_messages 100
pid_file $pidfile
log_dest file $dir/mosquitto.log
user root
CONF
  mosquitto -d -c "$dir/mosquitto.conf"
  _wait_for 10 mosquitto_pub -h 127.0.0.1 -p "$port" -t setrag/ping -m ping -q 0 \
    || { tail -20 "$dir/mosquitto.log"; return 1; }
}

mosquitto_stop() { # <dir>
  local pidfile="$1/mosquitto.pid"
  [ -f "$pidfile" ] || return 0
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

services_start() { # <name> <mysql-port> <mqtt-port>
  local base="$SETRAG_ROOT/.data/$1"
  mariadb_start "$base/mariadb" "$2"
  mosquitto_start "$base/mosquitto" "$3"
  export SETRAG_DB_HOST=127.0.0.1 SETRAG_DB_PORT="$2" SETRAG_DB_USER=root SETRAG_DB_PASSWORD=""
  export SETRAG_DB_SOCKET="$base/mariadb/mysqld.sock"
  export SETRAG_MQTT_HOST=127.0.0.1 SETRAG_MQTT_PORT="$3"
}

services_stop() { # <name>
  local base="$SETRAG_ROOT/.data/$1"
  mosquitto_stop "$base/mosquitto"
  mariadb_stop "$base/mariadb"
}
