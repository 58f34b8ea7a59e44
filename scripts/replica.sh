#!/usr/bin/env bash
# A real streaming replica of the machine's PostgreSQL, for the replica tests.
#   scripts/replica.sh start   -> replica on 127.0.0.1:${REPLICA_PORT:-5442}
#   scripts/replica.sh stop
# Needs the server's binaries (pg_basebackup, pg_ctl) and root or the postgres
# user. Adds a replication entry to pg_hba.conf if there is none (trust, loopback only).
set -euo pipefail
PORT="${REPLICA_PORT:-5442}"
DIR="${REPLICA_DIR:-/tmp/shop-replica-$PORT}"
VERSION="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
BIN="/usr/lib/postgresql/$VERSION/bin"
HBA="/etc/postgresql/$VERSION/main/pg_hba.conf"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if [ -z "$VERSION" ] || [ ! -x "$BIN/pg_basebackup" ]; then echo "replica: no local PostgreSQL server binaries" >&2; exit 1; fi
    if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication' "$HBA"; then
      echo "host replication all 127.0.0.1/32 trust" >> "$HBA"
      as_postgres "$BIN/pg_ctl" reload -D "/var/lib/postgresql/$VERSION/main" -o "-c config_file=/etc/postgresql/$VERSION/main/postgresql.conf" >/dev/null 2>&1 \
        || psql -h 127.0.0.1 -U postgres -Atc 'SELECT pg_reload_conf()' >/dev/null
    fi
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$DIR"; mkdir -p "$DIR"; chown postgres:postgres "$DIR" 2>/dev/null || true; chmod 700 "$DIR"
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$DIR" -R -X stream -c fast
    # Debian keeps configuration outside the data directory, so the copy has none of its own.
    as_postgres bash -c "printf '%s\n' \"hot_standby = on\" > '$DIR/postgresql.conf'; printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' > '$DIR/pg_hba.conf'; : > '$DIR/pg_ident.conf'"
    as_postgres "$BIN/pg_ctl" start -D "$DIR" -l "$DIR/replica.log" -w -t 30 \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DIR -c hot_standby=on -c config_file=$DIR/postgresql.conf -c hba_file=$DIR/pg_hba.conf -c ident_file=$DIR/pg_ident.conf" >/dev/null
    echo "replica: streaming from 127.0.0.1:5432 on 127.0.0.1:$PORT ($DIR)"
    ;;
  stop)
    if [ -f "$DIR/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" stop -D "$DIR" -m fast -w >/dev/null; fi
    rm -rf "$DIR"
    ;;
esac
