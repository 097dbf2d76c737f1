#!/usr/bin/env bash
# The long runs left out of the default test run (deploy/test.sh), tagged "long": the crash tests
# (app and dev server killed with SIGKILL, decisions sent while no worker is up), Temporal resets mid-Make,
# Temporal unreachable for 20 s, loops moving off a killed worker among several machines, a worker
# drained by SIGTERM mid-Make, a fleet surviving the SIGKILL of the app running it (and a best-of-3
# of two agents on the dev server: FleetCrashIT), and 2,000 iterations over three simulated days.
# About 6–7 minutes on 2 cores (two classes at a time); CI runs them on every stop.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git python3
ensure_temporal
ensure_sandbox
cd "$ROOT"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
"$ROOT/mvnw" -B -ntp verify -Plong -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false "$@"
