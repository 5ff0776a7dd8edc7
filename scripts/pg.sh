#!/usr/bin/env bash
# The project-local PostgreSQL + PostGIS cluster, used when DATABASE_URL is not set: one per
# checkout, listening only on a Unix socket, so several checkouts never clash.
#
# Where it lives: instance/pg in the checkout. PostgreSQL refuses to run as root, so as root it
# runs as the `postgres` system user; when that user cannot reach the checkout (a clone under
# root's 0700 home), or when the socket's path would pass the Unix limit of 107 bytes, the
# cluster lives in /var/lib/ghia/<hash of the checkout's path> instead (as another user:
# ~/.local/state/ghia/<hash>). Its socket directory is written to instance/pg-host, where
# core/config.py reads it. `make -j` and two makes at once are safe: start and stop hold a lock.
#   scripts/pg.sh start [DBNAME...]   initialise if needed, start, create the databases
#   scripts/pg.sh stop | status
#   scripts/pg.sh where               print the cluster's directory (data, log and socket)
#   scripts/pg.sh remove              stop the cluster and delete it with its data
#   scripts/pg.sh version             print the major version of PostgreSQL that runs it
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
INSTANCE="$ROOT/instance"
SOCKET_NAME=".s.PGSQL.5432"
SOCKET_MAX_BYTES=107

newest_initdb() { ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1; }
INITDB=$(newest_initdb)
[ -n "$INITDB" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
BIN=${INITDB%/initdb}
if [ "${1:-}" = version ]; then basename "$(dirname "$BIN")"; exit; fi

is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the cluster's owner, from /, which the postgres user can always enter.
as_owner() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

socket_fits() { [ "$(printf %s "$1/$SOCKET_NAME" | wc -c)" -le "$SOCKET_MAX_BYTES" ]; }

cluster_dir() {
  mkdir -p "$INSTANCE"
  if as_owner test -x "$INSTANCE" && socket_fits "$INSTANCE/pg"; then
    echo "$INSTANCE/pg"
    return
  fi
  local hash
  hash=$(printf %s "$ROOT" | sha256sum | cut -c1-12)
  if is_root; then echo "/var/lib/ghia/$hash"; else echo "${XDG_STATE_HOME:-$HOME/.local/state}/ghia/$hash"; fi
}

CLUSTER=$(cluster_dir)
PGDATA="$CLUSTER/data"
socket_fits "$CLUSTER" || { echo "socket path too long: $CLUSTER/$SOCKET_NAME" >&2; exit 1; }

lock() {
  exec 9>"$INSTANCE/pg.lock"
  flock 9
}

prepare() {
  if is_root && [ "$CLUSTER" != "$INSTANCE/pg" ]; then install -d -m 755 "${CLUSTER%/*}"; fi
  mkdir -p "$CLUSTER"
  if is_root; then chown postgres: "$CLUSTER"; fi
  chmod 700 "$CLUSTER" # trust authentication: only the owner (and root) may use the socket
}

init() {
  prepare
  [ -f "$PGDATA/PG_VERSION" ] && return
  as_owner "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  echo "initialised a PostgreSQL cluster in $PGDATA"
}

running() { as_owner "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

# core/config.py reads the socket directory from here; written whole, then renamed.
publish_socket_dir() {
  printf '%s\n' "$CLUSTER" >"$INSTANCE/pg-host.tmp"
  mv "$INSTANCE/pg-host.tmp" "$INSTANCE/pg-host"
}

start() {
  init
  if ! running; then
    rm -f "$PGDATA/postmaster.pid"
    # pg_ctl hands -o to a shell: the socket directory is quoted for it. The server must not
    # inherit the lock (fd 9), or it would hold it as long as it runs. 512 MB of buffers (the
    # default is 128) hold the map benchmark's street views, which otherwise read their table
    # pages through the kernel on every answer; GHIA_PG_SHARED_BUFFERS=128MB for a small machine.
    buffers=${GHIA_PG_SHARED_BUFFERS:-512MB}
    as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$CLUSTER/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $(printf %q "$CLUSTER") -c fsync=off -c shared_buffers=$buffers" \
      start >/dev/null 9>&-
    echo "started PostgreSQL (socket in $CLUSTER)"
  fi
  publish_socket_dir
  for db in "$@"; do
    exists=$("$BIN/psql" -h "$CLUSTER" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='$db'")
    [ "$exists" = 1 ] || "$BIN/createdb" -h "$CLUSTER" -U postgres "$db"
  done
}

stop() { if running; then as_owner "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null; fi; }

case "${1:-}" in
  start) shift; lock; start "$@" ;;
  stop) lock; stop ;;
  remove) lock; stop; rm -rf "$CLUSTER" "$INSTANCE/pg-host"; echo "removed $CLUSTER" ;;
  status) if running; then echo running; else echo stopped; exit 3; fi ;;
  where) echo "$CLUSTER" ;;
  *) echo "usage: $0 start [DB...] | stop | status | where | remove | version" >&2; exit 2 ;;
esac
