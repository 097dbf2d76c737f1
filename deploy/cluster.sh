#!/usr/bin/env bash
# Runs durable-loops on a real Temporal cluster on this machine, not the dev server:
#   1. PostgreSQL from Debian's package, as a cluster of its own under <data>/cluster/postgres
#      (installed through apt-get when missing and run as root; started and stopped here),
#   2. the Temporal server built from its Go module (go.temporal.io/server v1.29.1) with its schema
#      set up by the server's own SQL tool, the namespace 'default' and the loop search attributes,
#      answering only clients with a certificate from the cluster's own CA (mutual TLS on the
#      frontend and between its services; the CA and certificates are made once with openssl in
#      <data>/cluster/tls),
#   3. the Temporal UI server (github.com/temporalio/ui-server/v2 v2.42.1) on its own,
#   4. the app as one API process (profile 'api') and WORKERS worker processes (profile 'worker'),
#      each with its own data directory and client certificate, sharing one git store,
# and keeps them running until Ctrl-C, which stops everything it started. Running it again reuses
# the data: the cluster, the loops and the store are still there. Every start first checks that
# clients without the cluster's certificate (or PostgreSQL's password) are refused, printing each
# refusal, and stops if one gets through.
#
# Usage: deploy/cluster.sh [--smoke | --server-only]
#   --smoke        run the example loop through the cluster, print the tally, stop everything
#   --server-only  PostgreSQL, the Temporal server and its UI only (for tests and benchmarks)
# Environment: DURABLE_LOOPS_DATA_DIR (default ./.data; the cluster lives in <data>/cluster),
# WORKERS (2), PORT (8080), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), PG_PORT (55432),
# SHARDS (4), NO_EXAMPLE=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git python3 curl go
MODE="${1:-}"
ensure_temporal
ensure_sandbox
ensure_postgres
ensure_temporal_server
ensure_temporal_ui

DATA="${DURABLE_LOOPS_DATA_DIR:-$ROOT/.data}"
mkdir -p "$DATA/cluster"
CLUSTER="$(cd "$DATA/cluster" && pwd)"
export PG_PORT="${PG_PORT:-55432}"
export FRONTEND_PORT="${TEMPORAL_PORT:-7233}"
export FRONTEND_HTTP_PORT="$((FRONTEND_PORT + 10))"
export HISTORY_PORT="$((FRONTEND_PORT + 1))" MATCHING_PORT="$((FRONTEND_PORT + 2))" WORKER_PORT="$((FRONTEND_PORT + 6))"
export FRONTEND_MEMBERSHIP_PORT="$((FRONTEND_PORT - 300))" HISTORY_MEMBERSHIP_PORT="$((FRONTEND_PORT - 299))"
export MATCHING_MEMBERSHIP_PORT="$((FRONTEND_PORT - 298))" WORKER_MEMBERSHIP_PORT="$((FRONTEND_PORT - 294))"
export UI_PORT="${TEMPORAL_UI_PORT:-8233}"
export SHARDS="${SHARDS:-4}"
export DYNAMIC_CONFIG="$CLUSTER/temporal/config/dynamicconfig.yaml"
PORT="${PORT:-8080}"
WORKERS="${WORKERS:-2}"
ADDRESS="127.0.0.1:$FRONTEND_PORT"
export TLS_DIR="$CLUSTER/tls"
ensure_cluster_certs "$TLS_DIR"
# This script's own admin commands (health, namespace, search attributes) carry the admin certificate.
cluster_cli_tls "$TLS_DIR" admin
ADMIN_TLS=("${CLI_TLS[@]}")

PIDS=()
PG_STARTED=""
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "durable-loops: stopping the cluster"
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    kill "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
  if [ -n "$PG_STARTED" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$CLUSTER/postgres" -m fast stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM HUP PIPE

# 1. PostgreSQL: a cluster of our own, owned by the 'postgres' user when we are root (initdb
# refuses root), listening on 127.0.0.1:$PG_PORT only, the superuser 'temporal'.
if [ ! -f "$CLUSTER/postgres/PG_VERSION" ]; then
  echo "durable-loops: creating a PostgreSQL cluster in $CLUSTER/postgres"
  mkdir -p "$CLUSTER/postgres"
  [ "$(id -u)" = "0" ] && chown postgres: "$CLUSTER/postgres" && chmod 700 "$CLUSTER/postgres"
  if ! as_pg "$PG_BIN/initdb" -D "$CLUSTER/postgres" -U temporal --auth=trust -E UTF8 >"$CLUSTER/initdb.log" 2>&1; then
    echo "durable-loops: initdb failed (the 'postgres' user must be able to reach $CLUSTER); see $CLUSTER/initdb.log" >&2
    tail -5 "$CLUSTER/initdb.log" >&2
    rm -rf "$CLUSTER/postgres"
    exit 1
  fi
fi
touch "$CLUSTER/postgres.log" && [ "$(id -u)" = "0" ] && chown postgres: "$CLUSTER/postgres.log"
echo "durable-loops: starting PostgreSQL on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/pg_ctl" -D "$CLUSTER/postgres" -l "$CLUSTER/postgres.log" -w \
  -o "-p $PG_PORT -k $CLUSTER/postgres -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
PG_STARTED=1
# Only the cluster's own reach PostgreSQL too: the 'temporal' superuser has a password made once
# (<data>/cluster/postgres-password, owner-only) and TCP connections must give it (scram-sha-256).
# Without one, any local process could connect as superuser, rewrite the histories or run commands
# as the postgres user, and skip the frontend's mutual TLS entirely. The Unix socket stays trusted:
# it lives in the PostgreSQL directory, which only its owner (and root) can enter.
PG_PASSWORD_FILE="$CLUSTER/postgres-password"
[ -s "$PG_PASSWORD_FILE" ] || (umask 077 && openssl rand -hex 24 >"$PG_PASSWORD_FILE")
# Kept out of the environment the app's processes inherit, and off command lines.
PG_PASSWORD="$(cat "$PG_PASSWORD_FILE")"
printf "ALTER ROLE temporal PASSWORD '%s';\n" "$PG_PASSWORD" | "$PG_BIN/psql" -h "$CLUSTER/postgres" -p "$PG_PORT" -U temporal -d postgres -qAt -f - >/dev/null
cat >"$CLUSTER/postgres/pg_hba.conf" <<'HBA'
# Written by deploy/cluster.sh on every start.
local all all                trust
host  all all 127.0.0.1/32   scram-sha-256
host  all all ::1/128        scram-sha-256
HBA
as_pg "$PG_BIN/pg_ctl" -D "$CLUSTER/postgres" reload >/dev/null

# 2. The schema (idempotent: update-schema applies only versions not yet applied).
sql() { SQL_PASSWORD="$PG_PASSWORD" "$SERVER_BIN_DIR/sql" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u temporal "$@"; }
for db in temporal temporal_visibility; do
  kind=$([ "$db" = temporal ] && echo temporal || echo visibility)
  if ! PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U temporal -d "$db" -Atc "select 1 from schema_version limit 1" >/dev/null 2>&1; then
    echo "durable-loops: setting up database $db"
    sql --db "$db" create-database >/dev/null 2>&1 || true
    sql --db "$db" setup-schema -v 0.0 >"$CLUSTER/schema-$db.log" 2>&1
  fi
  sql --db "$db" update-schema -d "$SCHEMA_DIR/$kind/versioned" >>"$CLUSTER/schema-$db.log" 2>&1
done

# 3. The Temporal server.
mkdir -p "$CLUSTER/temporal/config" "$CLUSTER/ui/config"
(umask 077 && PG_PASSWORD="$PG_PASSWORD" render "$ROOT/deploy/cluster/temporal.yaml" >"$CLUSTER/temporal/config/development.yaml")
cp "$ROOT/deploy/cluster/dynamicconfig.yaml" "$DYNAMIC_CONFIG"
echo "durable-loops: starting the Temporal server $TEMPORAL_SERVER_VERSION on $ADDRESS (log in $CLUSTER/temporal.log)"
"$SERVER_BIN_DIR/server" --root "$CLUSTER/temporal" --config config --env development --allow-no-auth start \
  >"$CLUSTER/temporal.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
  if "$TEMPORAL_BIN" operator cluster health --address "$ADDRESS" "${ADMIN_TLS[@]}" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${PIDS[0]}" 2>/dev/null; then echo "the Temporal server exited; see $CLUSTER/temporal.log" >&2; tail -20 "$CLUSTER/temporal.log" >&2; exit 1; fi
  sleep 1
done
"$TEMPORAL_BIN" operator cluster health --address "$ADDRESS" "${ADMIN_TLS[@]}" >/dev/null
for _ in $(seq 1 60); do
  if "$TEMPORAL_BIN" operator namespace describe --address "$ADDRESS" "${ADMIN_TLS[@]}" -n default >/dev/null 2>&1 \
      || "$TEMPORAL_BIN" operator namespace create --address "$ADDRESS" "${ADMIN_TLS[@]}" -n default --retention 720h >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
# The loop search attributes (the app registers missing ones too); SQL visibility takes a moment
# to see a new namespace, hence the retries.
for attribute in "${SEARCH_ATTRIBUTES[@]}"; do
  [ "$attribute" = "--search-attribute" ] && continue
  for _ in $(seq 1 30); do
    if "$TEMPORAL_BIN" operator search-attribute list --address "$ADDRESS" "${ADMIN_TLS[@]}" -n default 2>/dev/null | grep -q "^ *${attribute%%=*} "; then break; fi
    "$TEMPORAL_BIN" operator search-attribute create --address "$ADDRESS" "${ADMIN_TLS[@]}" -n default --name "${attribute%%=*}" --type "${attribute#*=}" >/dev/null 2>&1 || true
    sleep 1
  done
done

# Only the cluster's own may drive a loop: each of these clients lacks the cluster's certificate
# and must be refused, while the admin certificate is accepted (so a refusal is not just a server
# that is down). A client that gets through stops the script.
refused() {   # refused LABEL COMMAND...: runs COMMAND (at most 20 s), which the server must refuse
  local label="$1" out
  shift
  if out="$(timeout 20 "$@" 2>&1)"; then
    echo "durable-loops: $label: ACCEPTED ($*)" >&2
    return 1
  fi
  # The CLI's log line down to its message: "time=… level=ERROR msg=\"failed reaching server: …\"".
  out="$(printf '%s' "$out" | tail -1 | sed -E 's/.*msg="(.*)"$/\1/; s/^failed reaching server: //; s/^connection error: desc = //; s/\\"//g' | cut -c1-120)"
  # Refused at the door means at the connection: a command that failed for another reason (a bad
  # flag, an unknown workflow type) proves nothing.
  if ! printf '%s' "$out" | grep -qiE 'tls|certificate|preface|handshake|broken pipe|reset by peer|not connected|EOF|SSL|password'; then
    echo "durable-loops: $label: failed, but not at the connection ($out)" >&2
    return 1
  fi
  echo "durable-loops: $label: refused ($out)"
}
check_mtls() {
  local other ok=0 total=6
  other="$(mktemp -d)"
  ( cd "$other" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=intruder" \
      -addext "extendedKeyUsage=clientAuth" -keyout intruder.key -out intruder.pem 2>/dev/null )
  local start=(workflow start --address "$ADDRESS" -n default --type LoopWorkflow --task-queue durable-loops
    --workflow-id loop-intruder --input '{}')
  refused "a client without a certificate" "$TEMPORAL_BIN" workflow list --address "$ADDRESS" -n default && ok=$((ok + 1))
  refused "a client without a certificate, over TLS" "$TEMPORAL_BIN" "${start[@]}" --tls-ca-path "$TLS_DIR/ca.pem" && ok=$((ok + 1))
  refused "a client with a certificate from another CA" "$TEMPORAL_BIN" "${start[@]}" --tls-ca-path "$TLS_DIR/ca.pem" \
    --tls-cert-path "$other/intruder.pem" --tls-key-path "$other/intruder.key" && ok=$((ok + 1))
  refused "the frontend's HTTP API without a certificate" curl -sS --fail --max-time 10 --cacert "$TLS_DIR/ca.pem" \
    "https://127.0.0.1:$FRONTEND_HTTP_PORT/api/v1/namespaces/default/workflows" && ok=$((ok + 1))
  refused "the history service without a certificate" "$TEMPORAL_BIN" workflow list --address "127.0.0.1:$HISTORY_PORT" \
    -n default --tls-ca-path "$TLS_DIR/ca.pem" --tls-server-name localhost && ok=$((ok + 1))
  refused "PostgreSQL without the password" env -u PGPASSWORD "$PG_BIN/psql" -w -h 127.0.0.1 -p "$PG_PORT" -U temporal \
    -d temporal -Atc "select count(*) from executions" && ok=$((ok + 1))
  rm -rf "$other"
  if ! "$TEMPORAL_BIN" workflow list --address "$ADDRESS" "${ADMIN_TLS[@]}" -n default --limit 1 >/dev/null; then
    echo "durable-loops: the admin certificate was refused too; see $CLUSTER/temporal.log" >&2
    exit 1
  fi
  echo "durable-loops: mutual TLS: $ok of $total clients without the cluster's certificate or password refused; the admin certificate accepted"
  [ "$ok" = "$total" ] || { echo "durable-loops: the cluster answers clients without its certificate or password" >&2; exit 1; }
}
check_mtls

# 4. The Temporal UI server.
render "$ROOT/deploy/cluster/ui.yaml" >"$CLUSTER/ui/config/development.yaml"
"$UI_BIN_DIR/server" --root "$CLUSTER/ui" --config config --env development start >"$CLUSTER/ui.log" 2>&1 &
PIDS+=($!)

if [ "$MODE" = "--server-only" ]; then
  echo "durable-loops: cluster up: Temporal $ADDRESS, UI http://localhost:$UI_PORT; Ctrl-C stops it"
  wait "${PIDS[0]}"
  exit 0
fi

# 5. The app: one API process and $WORKERS workers, each with a data directory of its own.
echo "durable-loops: building"
(cd "$ROOT" && "$ROOT/mvnw" -q -B -ntp -DskipTests package)
JAR="$ROOT/api/target/durable-loops.jar"
STORE="$CLUSTER/store.git"
# The API signs who started each loop and the workers check it: one key for every process.
[ -s "$CLUSTER/grant-key" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$CLUSTER/grant-key")
export DURABLE_LOOPS_GRANT_KEY="${DURABLE_LOOPS_GRANT_KEY:-$(cat "$CLUSTER/grant-key")}"
# The workers check the spec policy again before a loop's first step: they allow what the API
# allows, its data directory (where --smoke builds the example repository) included.
WORKER_ROOTS="${DURABLE_LOOPS_ALLOWED_ROOTS:+$DURABLE_LOOPS_ALLOWED_ROOTS,}$CLUSTER/api"
for i in $(seq 1 "$WORKERS"); do
  echo "durable-loops: starting worker-$i (log in $CLUSTER/worker-$i.log)"
  # Step commands see none of the cluster's directory: not the certificates, the API token, the
  # grant key, the store, PostgreSQL or another worker's workspaces (their own workspace is bound back in).
  (cluster_app_tls "$TLS_DIR" worker
   SPRING_PROFILES_ACTIVE=worker DURABLE_LOOPS_DATA_DIR="$CLUSTER/worker-$i" DURABLE_LOOPS_WORKER_ID="worker-$i" \
     DURABLE_LOOPS_ALLOWED_ROOTS="$WORKER_ROOTS" \
     MANAGEMENT_PORT=$((PORT + i)) DURABLE_LOOPS_SANDBOX_HIDDEN="$CLUSTER" \
     DURABLE_LOOPS_GIT_STORE="$STORE" TEMPORAL_ADDRESS="$ADDRESS" exec java "${APP_JAVA_OPTIONS[@]}" -jar "$JAR" >"$CLUSTER/worker-$i.log" 2>&1) &
  PIDS+=($!)
done
echo "durable-loops: starting the API (log in $CLUSTER/api.log)"
(cluster_app_tls "$TLS_DIR" api
 SPRING_PROFILES_ACTIVE=api DURABLE_LOOPS_DATA_DIR="$CLUSTER/api" DURABLE_LOOPS_GIT_STORE="$STORE" PORT="$PORT" \
   TEMPORAL_ADDRESS="$ADDRESS" TEMPORAL_UI_URL="http://localhost:$UI_PORT" exec java "${APP_JAVA_OPTIONS[@]}" -jar "$JAR" >"$CLUSTER/api.log" 2>&1) &
API_PID=$!
PIDS+=($API_PID)
TOKEN_FILE="$CLUSTER/api/api-token"
token() { api_token "$TOKEN_FILE"; }
await_api "$PORT" "$TOKEN_FILE" "$API_PID" "$CLUSTER/api.log"

cat <<URLS

  API          http://127.0.0.1:$PORT/api/loops
  Web page     http://127.0.0.1:$PORT/#token=$(token)
  Temporal UI  http://localhost:$UI_PORT/namespaces/default/workflows
  Temporal     $ADDRESS (server $TEMPORAL_SERVER_VERSION on PostgreSQL 127.0.0.1:$PG_PORT), $WORKERS workers
               mutual TLS: temporal workflow list --address $ADDRESS ${ADMIN_TLS[*]}

URLS

if [ "${NO_EXAMPLE:-}" != "1" ] || [ "$MODE" = "--smoke" ]; then
  API_TOKEN="$(token)" python3 "$ROOT/deploy/example.py" --api "http://127.0.0.1:$PORT" --data "$CLUSTER/api" --example "$ROOT/examples/slugify"
fi
if [ "$MODE" = "--smoke" ]; then
  exit 0
fi
echo "durable-loops: running on the cluster; Ctrl-C stops everything"
wait "$API_PID"
