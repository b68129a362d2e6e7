# Private MariaDB and Mosquitto under .data/<name>/, on their own ports and sockets.
# Source this file, then: services_start <name> <mysql-port> <mqtt-port> [--mqtt-auth]; services_stop <name>.
# Exports SETRAG_DB_* and SETRAG_MQTT_* for the started servers. Starting twice reuses running servers.
# With --mqtt-auth, Mosquitto takes no anonymous client: the platform logs in with a user and password generated once
# into .data/<name>/mqtt-secrets.env (never committed; exported as SETRAG_MQTT_USERNAME/PASSWORD), each tracker with its
# device id and key, from the files tracking writes (SETRAG_TRACKING_BROKER_AUTH_DIR, SETRAG_TRACKING_BROKER_PID_FILE).
# Without it (the tests' shared broker), anyone may connect.

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

mosquitto_start() { # <dir> <port> [auth]
  local dir=$1 port=$2 auth=${3:-}
  mkdir -p "$dir"
  local pidfile="$dir/mosquitto.pid" security="allow_anonymous true" login=()
  if [ "$auth" = auth ]; then
    # Tracking writes both files from its device registry (`setrag mqtt-auth write`, then `serve` keeps them up to
    # date) and signals the broker to reload them. The broker needs them to start: made empty first, with the
    # platform's own login added (or renewed) so that it can log in before tracking has written them.
    touch "$dir/mosquitto.passwd" "$dir/mosquitto.acl"
    chmod 600 "$dir/mosquitto.passwd"
    mosquitto_passwd -b "$dir/mosquitto.passwd" "$SETRAG_MQTT_USERNAME" "$SETRAG_MQTT_PASSWORD" >/dev/null
    security="allow_anonymous false
password_file $dir/mosquitto.passwd
acl_file $dir/mosquitto.acl"
    login=(-u "$SETRAG_MQTT_USERNAME" -P "$SETRAG_MQTT_PASSWORD")
  fi
  # Queued messages are bounded by memory, not by the 1000-message default that drops silently.
  cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
$security
persistence true
persistence_location $dir/
autosave_interval 1
max_queued_messages 0
max_inflight_messages 100
pid_file $pidfile
log_dest file $dir/mosquitto.log
user root
CONF
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    # Already running: with logins, it reads its configuration and the platform's login again on SIGHUP.
    if [ "$auth" = auth ]; then kill -HUP "$(cat "$pidfile")"; fi
    return 0
  fi
  mosquitto -d -c "$dir/mosquitto.conf"
  _wait_for 10 mosquitto_pub -h 127.0.0.1 -p "$port" "${login[@]}" -t setrag/ping -m ping -q 0 \
    || { tail -20 "$dir/mosquitto.log"; return 1; }
}

mosquitto_stop() { # <dir>
  local pidfile="$1/mosquitto.pid"
  [ -f "$pidfile" ] || return 0
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

# The platform's broker login for instance <dir>: generated once into <dir>/mqtt-secrets.env, exported.
mqtt_login() { # <dir>
  local file="$1/mqtt-secrets.env"
  mkdir -p "$1"
  if [ ! -f "$file" ]; then
    (umask 077; {
      echo "SETRAG_MQTT_USERNAME=setrag-platform"
      echo "SETRAG_MQTT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    } >"$file")
  fi
  set -a
  # shellcheck disable=SC1090
  . "$file"
  set +a
}

services_start() { # <name> <mysql-port> <mqtt-port> [--mqtt-auth]
  local base="$SETRAG_ROOT/.data/$1"
  mariadb_start "$base/mariadb" "$2"
  if [ "${4:-}" = --mqtt-auth ]; then
    mqtt_login "$base"
    mosquitto_start "$base/mosquitto" "$3" auth
    export SETRAG_TRACKING_BROKER_AUTH_DIR="$base/mosquitto"
    export SETRAG_TRACKING_BROKER_PID_FILE="$base/mosquitto/mosquitto.pid"
  else
    mosquitto_start "$base/mosquitto" "$3"
  fi
  export SETRAG_DB_HOST=127.0.0.1 SETRAG_DB_PORT="$2" SETRAG_DB_USER=root SETRAG_DB_PASSWORD=""
  export SETRAG_DB_SOCKET="$base/mariadb/mysqld.sock"
  export SETRAG_MQTT_HOST=127.0.0.1 SETRAG_MQTT_PORT="$3"
}

services_stop() { # <name>
  local base="$SETRAG_ROOT/.data/$1"
  mosquitto_stop "$base/mosquitto"
  mariadb_stop "$base/mariadb"
}
