#!/usr/bin/env bash
# Injected faults alone, then their tally (each line "fault: ..."): the Temporal server unreachable
# for 60 s while loops run and wait (FaultsIT: the API answers 503 problem+json meanwhile, the loops
# go on afterwards), the data directory's filesystem full during a checkpoint (a real tmpfs; needs
# root), a damaged workspace (a stale index.lock, a removed .git), a maker flooding its output and a
# fork bomb (FaultsTest, SandboxTest). All of them also run in deploy/test.sh (the outage for 20 s there).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git
ensure_temporal
ensure_sandbox
cd "$ROOT"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
"$ROOT/mvnw" -B -ntp -q install -DskipTests -pl workflows,activities,web
"$ROOT/mvnw" -B -ntp verify -pl activities,api -Dtest='FaultsTest,SandboxTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=FaultsIT -Dfailsafe.failIfNoSpecifiedTests=false -Dfault.outage-seconds=60 -Dtests.excludedGroups=
echo
echo "durable-loops: injected faults"
grep -ah "^fault: " activities/target/surefire-reports/*-output.txt api/target/failsafe-reports/*-output.txt
