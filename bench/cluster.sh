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

run() {   # run TARGET NAME [BENCH ARGUMENTS...]: the scale rows (iterations/s, step-to-step delay, worker heap)
  java -Xmx4g -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" dev.durableloops.bench.Bench \
    --target "$1" --data "$WORK/data-$2" --bench-dir "$ROOT/bench" --only scale --scale-sizes "$LOOPS" "${@:3}" | grep "^| scale:"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; scale benchmark at $LOOPS loops, one worker"
DEV="$(run "127.0.0.1:$DEV_PORT" dev)"
# The cluster answers only clients with its certificates (mutual TLS); the benchmark is its worker.
CLUSTER="$(run "127.0.0.1:$CLUSTER_PORT" cluster --tls "$WORK/cluster/cluster/tls")"
echo
python3 - "$LOOPS" "Temporal $TEMPORAL_SERVER_VERSION on PostgreSQL" "$DEV" "$CLUSTER" <<'PY'
import re, sys
loops, cluster_name, dev, cluster = sys.argv[1:5]
def figures(rows):
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows.splitlines() if r.strip()]
    it, delay, heap = cells[0], cells[1], cells[2]
    wall = re.search(r"([0-9.]+) s wall", it[5]); timeouts = re.search(r"(\d+) heartbeat", it[5])
    failed = re.search(r"(\d+) loops failed", it[5])
    return [it[2], wall.group(1) + " s" if wall else "?", delay[2], delay[4], heap[2], timeouts.group(1) if timeouts else "?",
            failed.group(1) if failed else "?"]
print("| server | loops | iterations/s | wall | step → next step p50 ms | p99 ms | worker heap MiB | heartbeat/workflow-task timeouts | loops failed |")
print("|---|---|---|---|---|---|---|---|---|")
for name, rows in (("dev server (SQLite)", dev), (cluster_name, cluster)):
    print("| " + " | ".join([name, loops] + figures(rows)) + " |")
PY
