# Settings for a local platform instance <name> (dev or test): secrets generated once into
# .data/<name>/secrets.env (never committed), ports given by the caller.
# Usage: platform_env <name> <gateway-port> <first-service-port>

_random_b64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }

platform_env() {
  local name=$1 gateway_port=$2 service_port=$3
  local dir="$SETRAG_ROOT/.data/$name"
  mkdir -p "$dir"
  if [ ! -f "$dir/secrets.env" ]; then
    umask 077
    cat >"$dir/secrets.env" <<SECRETS
SETRAG_CRYPTO_FIELD_KEYS=1:$(_random_b64 32)
SETRAG_CRYPTO_LOOKUP_KEY=$(_random_b64 32)
SETRAG_GATEWAY_SESSION_KEY=$(_random_b64 32)
SETRAG_GATEWAY_OAUTH_CLIENT_SECRET=$(_random_b64 24 | tr '+/' '-_')
SETRAG_DEMO_PASSWORD=demo-$(_random_b64 9 | tr '+/' '-_')
SECRETS
  fi
  # Each service with a database connects with its own account (created by `setrag migrate`); a secrets file
  # written before a service existed gets that service's password added.
  local service var
  for service in identity inventory booking payments tracking notifications; do
    var="SETRAG_$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    if ! grep -q "^$var=" "$dir/secrets.env"; then
      (umask 077; echo "$var=$(_random_b64 24 | tr '+/' '-_')" >>"$dir/secrets.env")
    fi
  done
  # The payment aggregator's credentials, shared by the payments service and the local E-Billing simulator.
  if ! grep -q "^SETRAG_EBILLING_SHARED_KEY=" "$dir/secrets.env"; then
    (umask 077; {
      echo "SETRAG_EBILLING_USERNAME=setrag-$name"
      echo "SETRAG_EBILLING_SHARED_KEY=$(_random_b64 24 | tr '+/' '-_')"
      echo "SETRAG_EBILLING_CALLBACK_SECRET=$(_random_b64 32 | tr '+/' '-_')"
    } >>"$dir/secrets.env")
  fi
  # The SMS gateway's API key, shared by the notifications service and the local SMS simulator.
  if ! grep -q "^SETRAG_SMS_API_KEY=" "$dir/secrets.env"; then
    (umask 077; echo "SETRAG_SMS_API_KEY=$(_random_b64 24 | tr '+/' '-_')" >>"$dir/secrets.env")
  fi
  set -a
  # shellcheck disable=SC1091
  . "$dir/secrets.env"
  set +a
  export SETRAG_PAYMENTS_EBILLING_USERNAME="$SETRAG_EBILLING_USERNAME"
  export SETRAG_PAYMENTS_EBILLING_SHARED_KEY="$SETRAG_EBILLING_SHARED_KEY"
  export SETRAG_PAYMENTS_EBILLING_CALLBACK_SECRET="$SETRAG_EBILLING_CALLBACK_SECRET"
  # The simulator listens 110 ports above the gateway (8190 for dev, 18190 for tests).
  export SETRAG_EBILLING_SIMULATOR_PORT=$((gateway_port + 110))
  export SETRAG_PAYMENTS_EBILLING_URL="http://127.0.0.1:$SETRAG_EBILLING_SIMULATOR_PORT"
  # The SMS simulator listens 111 ports above the gateway (8191 for dev, 18191 for tests).
  export SETRAG_SMS_SIMULATOR_PORT=$((gateway_port + 111))
  export SETRAG_NOTIFICATIONS_SMS_URL="http://127.0.0.1:$SETRAG_SMS_SIMULATOR_PORT"
  export SETRAG_NOTIFICATIONS_SMS_API_KEY="$SETRAG_SMS_API_KEY"
  export SETRAG_ENVIRONMENT=development
  export SETRAG_GATEWAY_HTTP_ADDRESS="127.0.0.1:$gateway_port"
  export SETRAG_GATEWAY_PUBLIC_URL="http://127.0.0.1:$gateway_port"
  export SETRAG_AUTH_ISSUER="http://127.0.0.1:$gateway_port"
  export SETRAG_GATEWAY_WEB_ROOT="$SETRAG_ROOT/web/dist"
  local i=0
  for service in identity inventory booking payments shipping tracking notifications assistant analytics; do
    local var="SETRAG_$(echo "$service" | tr '[:lower:]' '[:upper:]')_HTTP_ADDRESS"
    export "$var=127.0.0.1:$((service_port + i))"
    i=$((i + 1))
  done
}

# Starts the E-Billing simulator in the background (callbacks to the gateway's public payments path); sets
# simulator_pid. Log in <log file>.
simulator_start() { # <setrag binary> <log file>
  "$1" simulate ebilling --port "$SETRAG_EBILLING_SIMULATOR_PORT" \
    --callback-url "$SETRAG_GATEWAY_PUBLIC_URL/api/v1/payments/callbacks/ebilling" >>"$2" 2>&1 &
  simulator_pid=$!
  _wait_healthy "the E-Billing simulator" "$simulator_pid" "$SETRAG_EBILLING_SIMULATOR_PORT" "$2"
}

# Waits up to 10 s for a simulator to answer /healthz; if it does not (or exits), shows its log's last lines.
_wait_healthy() { # <what> <pid> <port> <log file>
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$3/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 did not start; last lines of $4:" >&2
  tail -5 "$4" >&2
  return 1
}

# Starts the SMS gateway simulator in the background; sets sms_simulator_pid. Log in <log file>.
sms_simulator_start() { # <setrag binary> <log file>
  "$1" simulate sms --port "$SETRAG_SMS_SIMULATOR_PORT" >>"$2" 2>&1 &
  sms_simulator_pid=$!
  _wait_healthy "the SMS simulator" "$sms_simulator_pid" "$SETRAG_SMS_SIMULATOR_PORT" "$2"
}

# Waits until the gateway answers /readyz (all modules started).
platform_wait_ready() { # <url> <seconds> <pid>
  local url=$1 limit=$2 pid=$3
  for _ in $(seq 1 $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -fsS "$url/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
