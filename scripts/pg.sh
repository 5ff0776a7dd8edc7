#!/usr/bin/env bash
# The project-local PostgreSQL + PostGIS cluster under instance/pg, used when DATABASE_URL is
# not set. It listens only on a Unix socket in instance/pg, so several checkouts never clash.
# PostgreSQL refuses to run as root: as root we run it as the `postgres` system user.
#   scripts/pg.sh start [DBNAME...]   initialise if needed, start, create the databases
#   scripts/pg.sh stop | status
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGDIR="$ROOT/instance/pg"
PGDATA="$PGDIR/data"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

init() {
  [ -f "$PGDATA/PG_VERSION" ] && return
  mkdir -p "$PGDIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
  as_owner "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  echo "initialised a PostgreSQL cluster in $PGDATA"
}

running() { as_owner "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start() {
  init
  if ! running; then
    rm -f "$PGDATA/postmaster.pid"
    as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDIR/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $PGDIR -c fsync=off" start >/dev/null
    echo "started PostgreSQL (socket in $PGDIR)"
  fi
  for db in "$@"; do
    exists=$("$BIN/psql" -h "$PGDIR" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='$db'")
    [ "$exists" = 1 ] || "$BIN/createdb" -h "$PGDIR" -U postgres "$db"
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) running && as_owner "$BIN/pg_ctl" -D "$PGDATA" -m fast stop || true ;;
  status) running && echo running || { echo stopped; exit 3; } ;;
  *) echo "usage: $0 start [DB...] | stop | status" >&2; exit 2 ;;
esac
