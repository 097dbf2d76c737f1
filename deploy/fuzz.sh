#!/usr/bin/env bash
# Contract fuzzing: Schemathesis (PyPI, pinned) against the live app, from the app's own OpenAPI
# description (/v3/api-docs). Starts a dev server and the packaged app on ports of their own with a
# throwaway data directory (deploy/run.sh with NO_EXAMPLE=1), runs a bounded number of generated
# requests per operation (examples, coverage and fuzzing phases; FUZZ_EXAMPLES, default 25; fixed
# seed), and fails on any server error or any response outside the documented schema. Prints the
# tally. Part of deploy/test.sh (FUZZ=0 skips it there); needs the app jar (mvn package).
#
# Environment: FUZZ_EXAMPLES (25), FUZZ_PORT (18580), FUZZ_TEMPORAL_PORT (17533), FUZZ_SEED (1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need java python3 curl
ensure_schemathesis

PORT="${FUZZ_PORT:-18580}"
TEMPORAL_PORT="${FUZZ_TEMPORAL_PORT:-17533}"
EXAMPLES="${FUZZ_EXAMPLES:-25}"
DATA="$(mktemp -d)"
REPORT="$ROOT/api/target/schemathesis"
rm -rf "$REPORT"
mkdir -p "$REPORT"

SKIP_BUILD=1 NO_EXAMPLE=1 DURABLE_LOOPS_DATA_DIR="$DATA" PORT="$PORT" TEMPORAL_PORT="$TEMPORAL_PORT" \
  TEMPORAL_UI_PORT="$((TEMPORAL_PORT + 1000))" "$ROOT/deploy/run.sh" >"$DATA/run.log" 2>&1 &
RUN_PID=$!
stop() {
  kill "$RUN_PID" 2>/dev/null || true
  wait "$RUN_PID" 2>/dev/null || true
}
trap stop EXIT
await_api "$PORT" "$DATA/api-token" "$RUN_PID" "$DATA/run.log"
TOKEN="$(api_token "$DATA/api-token")"

echo "durable-loops: fuzzing the API from its OpenAPI description ($EXAMPLES cases per operation and phase)"
set +e
# Run from the report directory: Schemathesis keeps its cache (.schemathesis/) in the working directory.
(cd "$REPORT" && "$SCHEMATHESIS_BIN" run "http://127.0.0.1:$PORT/v3/api-docs" \
  --checks not_a_server_error,response_schema_conformance \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "$EXAMPLES" --seed "${FUZZ_SEED:-1}" --phases examples,coverage,fuzzing \
  --generation-database none --workers 2 --request-timeout 30 --no-color \
  --report junit,ndjson --report-dir "$REPORT" >"$REPORT/output.txt" 2>&1)
STATUS=$?
set -e
tail -n 40 "$REPORT/output.txt"
python3 - "$REPORT" <<'PY'
import collections, glob, json, sys
checks = collections.defaultdict(lambda: [0, 0])
statuses = collections.Counter()
for path in glob.glob(sys.argv[1] + "/ndjson-*.ndjson"):
    for line in open(path):
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event.get("recorder") or {}
        for results in recorder.get("checks", {}).values():
            for check in results:
                checks[check["name"]][0 if check["status"] == "success" else 1] += 1
        for interaction in recorder.get("interactions", {}).values():
            response = interaction.get("response") or {}
            if "status_code" in response:
                statuses[f"{response['status_code'] // 100}xx"] += 1
for name, (passed, failed) in sorted(checks.items()):
    print(f"schemathesis tally: {name}: {passed} passed, {failed} failed")
print("schemathesis tally: responses " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
PY
exit "$STATUS"
