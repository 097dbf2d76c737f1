#!/usr/bin/env bash
# The long multi-machine run (ManyMachinesIT): one Temporal server, two worker processes with data
# directories of their own, an API-only process and a shared git store; LOOPS loops (default 60)
# on a real repository and KILLS SIGKILLs (default 3) of the worker holding the most workspaces, a
# fresh worker started in its place before each kill but the last. Prints the test's tally.
#   LOOPS=100 KILLS=5 deploy/many-machines.sh
#   CLUSTER=1 deploy/many-machines.sh     # against a real cluster: deploy/cluster.sh --server-only
# The short version (20 loops, 1 kill, dev server) runs in ./deploy/test.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git
ensure_temporal
cd "$ROOT"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
TARGET=()
if [ "${CLUSTER:-}" = "1" ]; then
  CLUSTER_DATA="$(mktemp -d)"
  chmod 755 "$CLUSTER_DATA"   # PostgreSQL runs as the 'postgres' user when we are root
  CLUSTER_PORT="${CLUSTER_PORT:-7433}"
  DURABLE_LOOPS_DATA_DIR="$CLUSTER_DATA" TEMPORAL_PORT="$CLUSTER_PORT" TEMPORAL_UI_PORT=$((CLUSTER_PORT + 1000)) PG_PORT=55433 \
    "$ROOT/deploy/cluster.sh" --server-only >"$CLUSTER_DATA/cluster.out" 2>&1 &
  CLUSTER_PID=$!
  # Under set -e a failing wait would end the trap before the directory is removed (and exit 143).
  trap 'kill $CLUSTER_PID 2>/dev/null; wait $CLUSTER_PID 2>/dev/null || true; rm -rf "$CLUSTER_DATA"' EXIT
  for _ in $(seq 1 600); do
    grep -q "cluster up" "$CLUSTER_DATA/cluster.out" 2>/dev/null && break
    kill -0 "$CLUSTER_PID" 2>/dev/null || { cat "$CLUSTER_DATA/cluster.out" >&2; exit 1; }
    sleep 1
  done
  TARGET=(-Ddurable-loops.temporal-target="127.0.0.1:$CLUSTER_PORT")
  # The cluster answers only clients with its certificates; the test's app processes inherit these.
  cluster_app_tls "$CLUSTER_DATA/cluster/tls" worker
fi
"$ROOT/mvnw" -B -ntp verify -pl api -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ManyMachinesIT \
  -Ddurable-loops.many-machines.loops="${LOOPS:-60}" -Ddurable-loops.many-machines.kills="${KILLS:-3}" "${TARGET[@]}" "$@"
grep -h "many machines" api/target/failsafe-reports/dev.durableloops.api.ManyMachinesIT-output.txt
