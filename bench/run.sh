#!/usr/bin/env bash
# Runs every benchmark against a fresh Temporal dev server and prints a Markdown table:
#   overhead per iteration (ours vs a bare Temporal workflow, vs the same running `true` in the
#   worker's sandbox at each step, vs a bash while loop vs LangGraph with its SQLite checkpointer),
#   history budget, git cost (JGit vs the git CLI), and scale (100, 500 and 1,000 concurrent loops
#   on one worker), crash recovery time (the app SIGKILLed mid-step), and
#   what the sandbox costs a step (a no-op command under no sandbox, bubblewrap alone and srt), and
#   fleets (N attempts at once against one and N in a row, 15 fan-out children on one worker, disk
#   per extra child or attempt workspace against a full clone).
# Usage: bench/run.sh [--smoke] [--only overhead|git|sandbox|scale|fleet|recovery|startup|latency|events]...
#   latency: POST /api/loops → first step, and an approval → next step, through the packaged app.
#   --smoke  a short version (seconds, not minutes) that CI runs so the benchmarks cannot rot.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib.sh"
need java git python3
ensure_temporal
ensure_sandbox

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# LangGraph and its SQLite checkpointer, in a virtualenv of their own (PyPI).
VENV="${DURABLE_LOOPS_BENCH_VENV:-$HOME/.cache/durable-loops/bench-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import langgraph.checkpoint.sqlite" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet langgraph==1.2.22 langgraph-checkpoint-sqlite==3.1.2
fi

(cd "$ROOT" && "$ROOT/mvnw" -q -B -ntp -Pbench -DskipTests -pl bench,api -am install)
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$TEMPORAL_BIN" server start-dev --headless --ip 127.0.0.1 --port "$PORT" --db-filename "$WORK/temporal.db" \
  --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal "${SEARCH_ATTRIBUTES[@]}" "${DEV_SERVER_TUNING[@]}" \
  --log-level error >"$WORK/temporal.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$PORT" >/dev/null 2>&1 && break
  sleep 0.5
done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
java -Xmx4g -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" dev.durableloops.bench.Bench \
  --target "127.0.0.1:$PORT" --data "$WORK/data" --bench-dir "$ROOT/bench" --langgraph-python "$VENV/bin/python" \
  --app-jar "$ROOT/api/target/durable-loops.jar" "$@"
