#!/usr/bin/env bash
# The server of compose's `postgres` profile: on first start, a cluster with
# the database and role analytica (password POSTGRES_PASSWORD, scram-sha-256
# from the compose network); then the server in the foreground.
set -euo pipefail
: "${POSTGRES_PASSWORD:?set ANALYTICA_PG_PASSWORD for the postgres profile}"
db="${POSTGRES_DB:-analytica}"
user="${POSTGRES_USER:-analytica}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --no-locale --pwfile="$pwfile" >/dev/null
  {
    echo "listen_addresses = '*'"
    echo "password_encryption = 'scram-sha-256'"
  } >>"$PGDATA/postgresql.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -v user="$user" -v db="$db" -v pw="$POSTGRES_PASSWORD" postgres <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl -D "$PGDATA" -w stop >/dev/null
  rm -f "$pwfile"
  echo "analytica-postgres: made a cluster with database $db, role $user"
fi
exec postgres -D "$PGDATA"
