#!/usr/bin/env bash
# Start (or find) a throw-away PostgreSQL server for the store's tests and benchmarks, on 127.0.0.1.
#
#   eval "$(bash scripts/postgres.sh)"     # sets HITL_TEST_POSTGRES_URL
#
# Installs Debian's `postgresql` with apt-get when no initdb is found (root only), initialises a
# cluster under $HITL_PGDATA (default: a folder in /tmp named after this checkout), starts it on a
# free port with trust authentication for local TCP connections only, creates the database
# `hitl_test`, and prints one line: export HITL_TEST_POSTGRES_URL=postgresql://... on stdout
# (everything else goes to stderr). A second call finds the running server and returns at once.
# `bash scripts/postgres.sh stop` stops it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGDATA="${HITL_PGDATA:-/tmp/hitl-postgres-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)}"
DB=hitl_test
log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

BIN="$(find_bin)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL is not installed and this is not root: apt-get install -y postgresql"
    exit 1
  fi
  log "installing PostgreSQL (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
  [ -n "$BIN" ] || { log "apt-get installed no initdb"; exit 1; }
fi

# initdb and postgres refuse to run as root: run them as the `postgres` user when we are root
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if [ "${1:-}" = stop ]; then
  as_pg "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >&2 || true
  exit 0
fi

running() { [ -f "$PGDATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

if ! running; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "initialising a cluster in $PGDATA"
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
    chmod 700 "$PGDATA"
    as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$PGDATA.initdb.log" 2>&1 \
      || { cat "$PGDATA.initdb.log" >&2; exit 1; }
  fi
  PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  echo "$PORT" > "$PGDATA.port"
  log "starting PostgreSQL on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$PGDATA -c max_connections=200" start >&2 \
    || { tail -n 30 "$PGDATA/server.log" >&2; exit 1; }
fi
PORT="$(cat "$PGDATA.port")"

psql_() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  psql_ -d postgres -c "CREATE DATABASE $DB" >&2
fi
echo "export HITL_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/$DB"
