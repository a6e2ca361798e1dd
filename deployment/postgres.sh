#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   deployment/postgres.sh start INFO_FILE   # install if missing, start, write INFO_FILE
#   deployment/postgres.sh stop  INFO_FILE   # stop the server INFO_FILE describes, delete it
#
# start installs Debian's postgresql package if no server binaries are found
# (needs root or sudo), initdb's a cluster under a new temporary directory,
# starts it on a free port on 127.0.0.1 (trust authentication, no fsync),
# creates the database analytica_test and the role analytica_secret (password
# authentication, for the tests that check passwords stay out of messages),
# and writes INFO_FILE as KEY=VALUE lines:
#   PGHOST PGPORT PGDATABASE PGUSER  (libpq's variable names)
#   ANALYTICA_PG_DIR ANALYTICA_PG_BIN ANALYTICA_PG_SECRET_USER ANALYTICA_PG_SECRET_PASSWORD
# On failure it writes ANALYTICA_PG_ERROR=<reason> into INFO_FILE instead, so the
# tests can say why, and exits 1. With ANALYTICA_SKIP_POSTGRES=1 it does nothing.
# As root the server runs as user postgres (runuser); otherwise as the caller.
set -euo pipefail

cmd=${1:-}
info=${2:-}
if [ -z "$cmd" ] || [ -z "$info" ]; then
  echo "usage: $0 start|stop INFO_FILE" >&2
  exit 2
fi

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bin() {
  find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -1
}

stop_cluster() {
  local file=$1 dir="" bin=""
  [ -f "$file" ] || return 0
  dir=$(sed -n 's/^ANALYTICA_PG_DIR=//p' "$file")
  bin=$(sed -n 's/^ANALYTICA_PG_BIN=//p' "$file")
  if [ -n "$dir" ] && [ -d "$dir/data" ] && [ -n "$bin" ]; then
    as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in /tmp/analytica-pg.*) rm -rf "$dir" ;; esac
  rm -f "$file"
}

fail() {
  echo "postgres.sh: $*" >&2
  mkdir -p "$(dirname "$info")"
  printf 'ANALYTICA_PG_ERROR=%s\n' "$*" >"$info"
  exit 1
}

case "$cmd" in
  stop)
    stop_cluster "$info"
    echo "postgres.sh: stopped"
    exit 0
    ;;
  start) ;;
  *)
    echo "usage: $0 start|stop INFO_FILE" >&2
    exit 2
    ;;
esac

if [ "${ANALYTICA_SKIP_POSTGRES:-}" = "1" ]; then
  rm -f "$info"
  echo "postgres.sh: ANALYTICA_SKIP_POSTGRES=1: not starting a server; PostgreSQL tests will be skipped"
  exit 0
fi

stop_cluster "$info"  # a server left by an interrupted run

bin=$(find_bin)
if [ -z "$bin" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    SUDO="sudo"
  fi
  echo "postgres.sh: installing postgresql"
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-client \
    >/dev/null 2>&1 || fail "apt-get install postgresql failed"
  bin=$(find_bin)
  [ -n "$bin" ] || fail "postgresql installed but no /usr/lib/postgresql/*/bin found"
fi
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  fail "running as root but there is no user postgres to run the server as"
fi

dir=$(mktemp -d /tmp/analytica-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
if ! as_server "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
  reason=$(tail -1 "$dir/initdb.log")
  rm -rf "$dir"
  fail "initdb failed: $reason"
fi
cat >"$dir/data/pg_hba.conf" <<'EOF'
local all all                         trust
host  all analytica_secret 127.0.0.1/32 scram-sha-256
host  all all              127.0.0.1/32 trust
host  all all              ::1/128      trust
EOF

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

started=""
for attempt in 1 2 3 4 5 6 7 8; do
  port=$((20000 + (RANDOM * 7 + $$ + attempt * 131) % 30000))
  port_free "$port" || continue
  if as_server "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/log" \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
      start >/dev/null 2>&1; then
    started=$port
    break
  fi
done
if [ -z "$started" ]; then
  reason=$(tail -3 "$dir/log" 2>/dev/null | tr '\n' ' ')
  as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  fail "the server did not start: ${reason:-no log}"
fi

psql_admin() {
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$started" -U postgres "$@"
}
secret="analytica-test-$RANDOM$RANDOM"
if ! psql_admin -d postgres -c 'CREATE DATABASE analytica_test' >/dev/null 2>"$dir/psql.log" ||
   ! psql_admin -d analytica_test -c "CREATE ROLE analytica_secret LOGIN PASSWORD '$secret'; GRANT ALL ON SCHEMA public TO analytica_secret" >/dev/null 2>>"$dir/psql.log"; then
  reason=$(tail -1 "$dir/psql.log")
  as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  fail "creating the test database failed: $reason"
fi

mkdir -p "$(dirname "$info")"
cat >"$info.tmp" <<EOF
PGHOST=127.0.0.1
PGPORT=$started
PGDATABASE=analytica_test
PGUSER=postgres
ANALYTICA_PG_DIR=$dir
ANALYTICA_PG_BIN=$bin
ANALYTICA_PG_SECRET_USER=analytica_secret
ANALYTICA_PG_SECRET_PASSWORD=$secret
EOF
mv "$info.tmp" "$info"
echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$started (data in $dir); connection info in $info"
