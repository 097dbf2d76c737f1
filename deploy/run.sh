#!/usr/bin/env bash
# Runs the platform locally with a real loop:
#   1. installs the Temporal CLI if missing, builds the app,
#   2. starts the Temporal dev server persisted to SQLite under the data directory (WAL on,
#      30-day retention, loop search attributes registered) with its UI on port 8233, both on
#      127.0.0.1 only: the dev server has no TLS and no authentication and trusts every local
#      process (the step sandbox keeps the agents' commands off it; deploy/cluster.sh requires
#      mutual TLS),
#   3. starts the app (API + web page + worker) on port 8080,
#   4. starts the shipped example loop (examples/slugify, or examples/$EXAMPLE) and follows it to its end,
#   5. keeps everything running until Ctrl-C, which stops what it started.
# Running it again reuses the data directory: earlier loops are still there.
#
# Environment: DURABLE_LOOPS_DATA_DIR (default ./.data), PORT (8080), TEMPORAL_PORT (7233),
# TEMPORAL_UI_PORT (8233), DEMO_APPROVE=manual to approve yourself instead of the script,
# EXAMPLE=fleet (or backlog) to run that example instead, NO_EXAMPLE=1 to start no loop, EXIT_AFTER_EXAMPLE=1 to stop once the example loop has ended,
# SKIP_BUILD=1 to use the app jar already built.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git python3 curl
ensure_temporal
ensure_sandbox

DATA="${DURABLE_LOOPS_DATA_DIR:-$ROOT/.data}"
PORT="${PORT:-8080}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
mkdir -p "$DATA"
DATA="$(cd "$DATA" && pwd)"

if [ "${SKIP_BUILD:-}" != "1" ]; then
  echo "durable-loops: building"
  (cd "$ROOT" && "$ROOT/mvnw" -q -B -ntp -DskipTests package)
fi
JAR="$ROOT/api/target/durable-loops.jar"

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "durable-loops: stopping"
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    kill "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM HUP PIPE

echo "durable-loops: starting the Temporal dev server (state in $DATA/temporal.db)"
"$TEMPORAL_BIN" server start-dev \
  --db-filename "$DATA/temporal.db" \
  --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
  --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
  "${SEARCH_ATTRIBUTES[@]}" "${DEV_SERVER_TUNING[@]}" --log-level warn >"$DATA/temporal.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
  if "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
"$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null
# Closed loops stay inspectable for 30 days instead of the dev server's 24 h default.
"$TEMPORAL_BIN" operator namespace update --address "127.0.0.1:$TEMPORAL_PORT" --retention 720h -n default >/dev/null

echo "durable-loops: starting the app (log in $DATA/app.log)"
DURABLE_LOOPS_DATA_DIR="$DATA" PORT="$PORT" TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" \
  TEMPORAL_UI_URL="http://localhost:$TEMPORAL_UI_PORT" \
  java "${APP_JAVA_OPTIONS[@]}" -jar "$JAR" >"$DATA/app.log" 2>&1 &
PIDS+=($!)
TOKEN_FILE="$DATA/api-token"
token() { api_token "$TOKEN_FILE"; }
await_api "$PORT" "$TOKEN_FILE" "${PIDS[1]}" "$DATA/app.log"

cat <<URLS

  API          http://127.0.0.1:$PORT/api/loops
               curl -H "Authorization: Bearer \$(cat $TOKEN_FILE)" http://127.0.0.1:$PORT/api/loops
  Web page     http://127.0.0.1:$PORT/#token=$(token)
  Temporal UI  http://localhost:$TEMPORAL_UI_PORT/namespaces/default/workflows

URLS

if [ "${NO_EXAMPLE:-}" != "1" ]; then
  API_TOKEN="$(token)" python3 "$ROOT/deploy/example.py" --api "http://127.0.0.1:$PORT" --data "$DATA" --example "$ROOT/examples/${EXAMPLE:-slugify}"
fi
if [ "${EXIT_AFTER_EXAMPLE:-}" = "1" ]; then
  exit 0
fi
echo "durable-loops: running; Ctrl-C stops the app and the Temporal server"
wait "${PIDS[1]}"
