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
# hands a loop's next step to the worker in the same round trip that schedules it.
DEV_SERVER_TUNING=(
  --dynamic-config-value system.enableActivityEagerExecution=true
)

# The loop search attributes the dev server registers at start (see LoopSearchAttributes.java).
SEARCH_ATTRIBUTES=(
  --search-attribute LoopStatus=Keyword
  --search-attribute LoopIteration=Int
  --search-attribute LoopCostUsd=Double
  --search-attribute LoopRepository=Keyword
)

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
