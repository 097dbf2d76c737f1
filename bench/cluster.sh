#!/usr/bin/env bash
# The dev server against a real Temporal cluster (deploy/cluster.sh --server-only: the Temporal
# server on PostgreSQL), side by side: the scale benchmark (maker `sleep 1`, 3 iterations per loop)
# at LOOPS concurrent loops (default 1000) on one worker, on each server in turn.
# Usage: bench/cluster.sh [--smoke]     (--smoke: 10 loops, what CI runs)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib.sh"
need java git python3
ensure_temporal
LOOPS="${LOOPS:-1000}"
[ "${1:-}" = "--smoke" ] && LOOPS=10

WORK="$(mktemp -d)"
chmod 755 "$WORK"   # PostgreSQL runs as the 'postgres' user when we are root
PIDS=()
cleanup() {
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; wait "${PIDS[$i]}" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && "$ROOT/mvnw" -q -B -ntp -Pbench -DskipTests -pl bench,api -am install)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

DEV_PORT="$(free_port)"
"$TEMPORAL_BIN" server start-dev --headless --ip 127.0.0.1 --port "$DEV_PORT" --db-filename "$WORK/temporal.db" \
  --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal "${SEARCH_ATTRIBUTES[@]}" "${DEV_SERVER_TUNING[@]}" \
  --log-level error >"$WORK/dev.log" 2>&1 &
PIDS+=($!)
CLUSTER_PORT="${CLUSTER_PORT:-7633}"
DURABLE_LOOPS_DATA_DIR="$WORK/cluster" TEMPORAL_PORT="$CLUSTER_PORT" TEMPORAL_UI_PORT=$((CLUSTER_PORT + 1000)) PG_PORT=55435 \
  "$ROOT/deploy/cluster.sh" --server-only >"$WORK/cluster.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 900); do
  grep -q "cluster up" "$WORK/cluster.out" 2>/dev/null && break
  kill -0 "${PIDS[1]}" 2>/dev/null || { cat "$WORK/cluster.out" >&2; exit 1; }
  sleep 1
done
"$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$DEV_PORT" >/dev/null

run() {   # run TARGET NAME [BENCH ARGUMENTS...]
  java -Xmx4g -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" dev.durableloops.bench.Bench \
    --target "$1" --data "$WORK/data-$2" --bench-dir "$ROOT/bench" --only scale --scale-sizes "$LOOPS" "${@:3}" | grep "concurrent loops"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; scale benchmark at $LOOPS loops, one worker"
DEV="$(run "127.0.0.1:$DEV_PORT" dev)"
# The cluster answers only clients with its certificates (mutual TLS); the benchmark is its worker.
CLUSTER="$(run "127.0.0.1:$CLUSTER_PORT" cluster --tls "$WORK/cluster/cluster/tls")"
echo
echo "| server | loops | iterations/s | wall | timeouts |"
echo "|---|---|---|---|---|"
for row in "dev server (SQLite)|$DEV" "Temporal $TEMPORAL_SERVER_VERSION on PostgreSQL|$CLUSTER"; do
  name="${row%%|*}"; rest="${row#*|}"
  python3 - "$name" "$LOOPS" "$rest" <<'PY'
import re, sys
name, loops, row = sys.argv[1], sys.argv[2], sys.argv[3]
cells = [c.strip() for c in row.strip().strip("|").split("|")]
wall = re.search(r"([0-9.]+) s wall", cells[5]); timeouts = re.search(r"(\d+) heartbeat", cells[5])
print(f"| {name} | {loops} | {cells[2]} | {wall.group(1) if wall else '?'} s | {timeouts.group(1) if timeouts else '?'} |")
PY
done
