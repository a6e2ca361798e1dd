#!/usr/bin/env bash
# `analytica backup` and `analytica restore` through the CLI on PostgreSQL
# (sink_postgres: pg_dump and psql), in a schema of its own on the suite's
# throwaway server: a verified dump with its record, rotation, a restore in
# one transaction that brings the rows back (and drops a table made after
# the backup), a safety copy, a cut-off dump refused with the store untouched.
# Usage: backup_postgres.sh REPO_ROOT ANALYTICA CREB_SYNTH PG_INFO_FILE
# Prints SKIPPED_POSTGRES (CTest: skipped) when ANALYTICA_SKIP_POSTGRES=1.
set -euo pipefail
repo="$1" analytica="$2" synth="$3" info="$4"
if [ "${ANALYTICA_SKIP_POSTGRES:-0}" = 1 ]; then
  echo "SKIPPED_POSTGRES: ANALYTICA_SKIP_POSTGRES=1"
  exit 0
fi
fail() { echo "FAILED: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }
[ -r "$info" ] || fail "no server info $info (the fixture storage.postgres_start did not run)"
if grep -q '^ANALYTICA_PG_ERROR=' "$info"; then fail "no PostgreSQL server: $(sed -n 's/^ANALYTICA_PG_ERROR=//p' "$info")"; fi
set -a
# shellcheck disable=SC1090
. "$info"
set +a
schema="deploy_backup_$$"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
psql_ -c "CREATE SCHEMA $schema"
tmp=$(mktemp -d)
cleanup() { psql_ -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
export ANALYTICA_PG_CONNINFO="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER options='-c search_path=$schema'"
data="$tmp/data"
pipeline="$repo/config/pipelines/creb-postgres.json"
a() { "$analytica" --data-dir "$data" --log-level warn "$@"; }
rows() { psql_ -c "SELECT count(*) FROM $schema.housing_city_monthly"; }

"$synth" --quiet --out "$data/inbox" --months 2024-01..2024-03
a run "$pipeline" >/dev/null

out=$(a backup --pipeline "$pipeline" --to "$tmp/b" --keep 2 --json) || fail "backup: $out"
dump=$(sed -n 's/^  "path": "\(.*\)",\{0,1\}$/\1/p' <<<"$out")
{ [[ "$dump" == *.sql ]] && [ -f "$dump" ] && [ -f "$dump.json" ]; } || fail "no .sql backup and record: $out"
grep -q "housing_city_monthly" "$dump" || fail "the dump lacks the data table"
grep -q '"store": "postgres://' "$dump.json" || fail "record lacks the store"
! grep -q "password" "$dump.json" || fail "record mentions a password"
ok "pg_dump backup verified and recorded ($(basename "$dump"))"
a backup --pipeline "$pipeline" --to "$tmp/b" --keep 2 >/dev/null
a backup --pipeline "$pipeline" --to "$tmp/b" --keep 2 >/dev/null
[ "$(find "$tmp/b" -name 'analytica-*.sql' | wc -l)" -eq 2 ] || fail "--keep 2 did not rotate"
[ ! -e "$dump" ] || fail "the oldest dump was not rotated out"
ok "rotation keeps the newest 2"

good=$(find "$tmp/b" -name 'analytica-*.sql' | sort | tail -1)
before=$(rows)
psql_ -c "DELETE FROM $schema.housing_city_monthly; CREATE TABLE $schema.made_later (x int)"
out=$(a restore "$good" --pipeline "$pipeline" --safety-dir "$tmp/safety") || fail "restore: $out"
[ "$(rows)" = "$before" ] || fail "restore did not bring back $before rows (has $(rows))"
[ "$(psql_ -c "SELECT count(*) FROM pg_tables WHERE schemaname = '$schema' AND tablename = 'made_later'")" = 0 ] ||
  fail "a table made after the backup survived the restore"
[ -n "$(find "$tmp/safety" -name 'pre-restore-*.sql')" ] || fail "no safety copy"
a db check --pipeline "$pipeline" >/dev/null || fail "db check fails after restore"
ok "restore: $before rows back in one transaction, later table gone, safety copy kept"

# A cut-off dump: refused before anything changes.
head -n 40 "$good" >"$tmp/cut.sql"
psql_ -c "DELETE FROM $schema.housing_city_monthly WHERE month < '2024-02'"
after_delete=$(rows)
if out=$(a restore "$tmp/cut.sql" --pipeline "$pipeline" --safety-dir "$tmp/safety2" 2>&1); then fail "a cut-off dump was restored"; fi
grep -q "incomplete\|not a pg_dump" <<<"$out" || fail "unclear refusal: $out"
[ "$(rows)" = "$after_delete" ] || fail "the refused restore changed the store"
ok "refused a cut-off dump: ${out#analytica: }"
echo "backup_postgres: all passed"
