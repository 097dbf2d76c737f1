#!/usr/bin/env bash
# Runs the whole test suite: unit, workflow (time-skipping test server), activity (real git and
# processes), API, the end-to-end test and the browser test against the real Temporal dev server,
# replay of recorded histories, the crash tests (app and dev server killed with SIGKILL), then, for
# a whole run (no arguments; FUZZ=0 skips it), contract fuzzing of the live app (deploy/fuzz.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java git python3
ensure_temporal
ensure_sandbox
ensure_browser
python3 -c "import pytest" 2>/dev/null || python3 -m pip install --quiet -c "$ROOT/deploy/pytest-constraints.txt" pytest
cd "$ROOT"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
"$ROOT/mvnw" -B -ntp verify "$@"
# The attack suite's tally: each *AttackTest / *AttackIT method is one attack that must be stopped.
python3 "$ROOT/deploy/attacks.py"
if [ "$#" -eq 0 ] && [ "${FUZZ:-1}" != "0" ]; then
  "$ROOT/deploy/fuzz.sh"
fi
