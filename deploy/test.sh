#!/usr/bin/env bash
# Runs the whole test suite: unit, workflow (time-skipping test server), activity (real git and
# processes), API, and the end-to-end test against the real Temporal dev server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java mvn git python3
ensure_temporal
python3 -c "import pytest" 2>/dev/null || python3 -m pip install --quiet pytest
cd "$ROOT"
export DURABLE_LOOPS_TEMPORAL_CLI="$TEMPORAL_BIN"
exec mvn -B -ntp verify "$@"
