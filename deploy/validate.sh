#!/usr/bin/env bash
# Validates the deployment files offline, with pinned tools it installs on first use
# (deploy/lib.sh ensure_validators; deploy/validate-constraints.txt):
#   - deploy/Dockerfile with hadolint (every finding fails; an ignored rule says why beside it), and
#     its build context (the repository root after .dockerignore, as BuildKit's own pattern matcher
#     reads it: deploy/build-context) free of local state such as .data with its API token;
#   - deploy/compose.yaml against the Compose specification's JSON schema (check-jsonschema's
#     vendored compose-spec);
#   - deploy/kubernetes/*.yaml against the Kubernetes OpenAPI schemas, strict (unknown fields fail),
#     as written (worker pods that confine steps: user namespaces, Kubernetes 1.33+) for 1.33 and
#     1.37, and with its "restricted:" values switched in (worker pods any cluster admits, steps
#     unconfined) for 1.30 and 1.37;
#   - deploy/compose/temporal-setup.sh parses as POSIX sh.
# Run by deploy/test.sh before the Maven build; usable alone. What it cannot do here: build the
# image or run Compose or Kubernetes (no Docker engine, no cluster); DeploymentFilesTest checks
# the files against the code.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_validators
cd "$ROOT"
BIN="$VALIDATE_VENV/bin"

echo "durable-loops: deploy/Dockerfile with $("$BIN/hadolint" --version)"
"$BIN/hadolint" --no-color deploy/Dockerfile
need go
(cd deploy/build-context && GOFLAGS=-mod=readonly go run . "$ROOT")

echo "durable-loops: deploy/compose.yaml against the Compose specification (check-jsonschema $("$BIN/check-jsonschema" --version | awk '{print $NF}'))"
"$BIN/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml

sh -n deploy/compose/temporal-setup.sh

# The manifest's second variant: every "key: value  # restricted: other" takes the other value. It
# must change the worker pods, or the markers were lost.
RESTRICTED_VARIANT="$(mktemp -d)/durable-loops-restricted.yaml"
trap 'rm -rf "$(dirname "$RESTRICTED_VARIANT")"' EXIT
"$BIN/python" - deploy/kubernetes/durable-loops.yaml "$RESTRICTED_VARIANT" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for needed in ("hostUsers: false", "procMount: Unmasked", "type: Unconfined", "value: auto"):
    if needed not in text:
        sys.exit("deploy/kubernetes/durable-loops.yaml: the worker pods lack '%s' (the sandbox)" % needed)
text, switched = re.subn(r"^(\s*[\w.-]+: )\S+\s+# restricted: (\S+)$", r"\1\2", text, flags=re.M)
for needed in ("hostUsers: true", "procMount: Default", "type: RuntimeDefault", "value: none"):
    if needed not in text:
        sys.exit("deploy/kubernetes/durable-loops.yaml: the restricted variant lacks '%s'" % needed)
open(sys.argv[2], "w", encoding="utf-8").write(text)
print("durable-loops: the restricted variant: %d values switched" % switched)
PY
for version in 1.33.0 1.37.0; do
  echo "durable-loops: deploy/kubernetes against the Kubernetes $version schemas (kubernetes-validate $("$BIN/kubernetes-validate" --version), strict)"
  "$BIN/kubernetes-validate" --strict --quiet -k "$version" deploy/kubernetes/*.yaml
done
for version in 1.30.0 1.37.0; do
  echo "durable-loops: its restricted variant against the Kubernetes $version schemas"
  "$BIN/kubernetes-validate" --strict --quiet -k "$version" "$RESTRICTED_VARIANT"
done
echo "durable-loops: deployment files valid"
