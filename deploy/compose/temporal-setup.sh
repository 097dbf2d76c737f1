#!/bin/sh
# The Temporal schema on PostgreSQL and the namespace the app uses, for deploy/compose.yaml: run by
# the temporal-schema step (before the server starts) and the temporal-namespace step (after it
# answers), both in Temporal's admin-tools image. Safe to run on every `docker compose up`: a
# database that has its schema is only updated (update-schema applies the versions not yet applied).
#   temporal-setup.sh schema      databases temporal and temporal_visibility, schema set up and updated
#   temporal-setup.sh namespace   the namespace $TEMPORAL_NAMESPACE (default) on $TEMPORAL_ADDRESS and
#                                 the loop search attributes in it (deploy/lib.sh SEARCH_ATTRIBUTES)
set -eu

schema() {
  dir="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
  for db in temporal temporal_visibility; do
    kind=$([ "$db" = temporal ] && echo temporal || echo visibility)
    # A database whose schema_version table answers has been set up: update it. Otherwise make it
    # (an existing empty database is fine) and set up the versioning tables first.
    if temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" \
        --db "$db" update-schema -d "$dir/$kind/versioned"; then
      echo "temporal-setup: $db is up to date"
      continue
    fi
    echo "temporal-setup: $db has no schema yet (the error above says why); setting it up"
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" \
      --db "$db" create-database || true
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" \
      --db "$db" setup-schema -v 0.0
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" \
      --db "$db" update-schema -d "$dir/$kind/versioned"
  done
}

namespace() {
  ns="${TEMPORAL_NAMESPACE:-default}"
  tries=0
  until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || { echo "temporal-setup: Temporal at $TEMPORAL_ADDRESS did not answer in 120 s" >&2; exit 1; }
    sleep 2
  done
  if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$ns" >/dev/null 2>&1; then
    echo "temporal-setup: namespace $ns exists"
  else
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$ns" --retention 720h
    echo "temporal-setup: namespace $ns created"
  fi
  # The app registers missing ones at start too, but SQL visibility takes a moment to see a new
  # namespace; here they are retried until they are listed.
  for attribute in LoopStatus=Keyword LoopIteration=Int LoopCostUsd=Double LoopRepository=Keyword; do
    name="${attribute%%=*}"
    tries=0
    until temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$ns" 2>/dev/null | grep -q "^ *$name "; do
      tries=$((tries + 1))
      [ "$tries" -lt 30 ] || { echo "temporal-setup: search attribute $name could not be made in $ns" >&2; exit 1; }
      temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$ns" --name "$name" --type "${attribute#*=}" \
        >/dev/null 2>&1 || true
      sleep 1
    done
  done
  echo "temporal-setup: search attributes of $ns in place"
}

case "${1:-}" in
  schema) schema ;;
  namespace) namespace ;;
  *) echo "usage: temporal-setup.sh schema|namespace" >&2; exit 2 ;;
esac
