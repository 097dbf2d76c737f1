#!/usr/bin/env bash
# Runs the whole test suite: the deployment files against the Kubernetes and Compose schemas and a
# Dockerfile linter (deploy/validate.sh), then unit, workflow (time-skipping test server), activity (real git and
# processes), API, the end-to-end test and the browser test against the real Temporal dev server,
# replay of recorded histories, the attack suite, then, for a whole run (no arguments; FUZZ=0 skips
# it), contract fuzzing of the live app (deploy/fuzz.sh). The long runs (crash, faults, many
# machines, 2,000 iterations) are tagged "long" and run with deploy/long-tests.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git python3
ensure_temporal
ensure_sandbox
ensure_browser
python3 -c "import pytest" 2>/dev/null || python3 -m pip install --quiet -r "$ROOT/deploy/pytest-constraints.txt"
cd "$ROOT"
"$ROOT/deploy/validate.sh"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
"$ROOT/mvnw" -B -ntp verify "$@"
# The attack suite's tally: each *AttackTest / *AttackIT method is one attack that must be stopped.
python3 "$ROOT/deploy/attacks.py"
if [ "$#" -eq 0 ] && [ "${FUZZ:-1}" != "0" ]; then
  "$ROOT/deploy/fuzz.sh"
fi
