#!/usr/bin/env bash
# The long multi-machine run: one Temporal server, two worker processes with data directories of
# their own, an API-only process and a shared git store; LOOPS loops (default 60) on a real
# repository and KILLS SIGKILLs (default 3) of the worker holding the most workspaces, a fresh
# worker started in its place before each kill but the last. Prints the tally of ManyMachinesIT.
#   LOOPS=100 KILLS=5 deploy/many-machines.sh
# The short version (20 loops, 1 kill) runs in ./deploy/test.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java mvn git
ensure_temporal
cd "$ROOT"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
mvn -B -ntp verify -pl api -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ManyMachinesIT \
  -Ddurable-loops.many-machines.loops="${LOOPS:-60}" -Ddurable-loops.many-machines.kills="${KILLS:-3}" "$@"
grep -h "many machines:" api/target/failsafe-reports/dev.durableloops.api.ManyMachinesIT-output.txt
