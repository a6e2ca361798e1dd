#!/usr/bin/env bash
# `analytica backup` and `analytica restore` through the CLI on the embedded
# SQLite store: each backup verified with its record (SHA-256, row counts)
# beside it, old ones rotated, a backup taken while a run writes, a restore
# that brings the rows back and keeps a safety copy, corrupt files refused
# with the store untouched.
# Usage: backup_sqlite.sh REPO_ROOT ANALYTICA CREB_SYNTH
set -euo pipefail
repo="$1" analytica="$2" synth="$3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data="$tmp/data"
a() { "$analytica" --data-dir "$data" --log-level warn "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }
rows() { sqlite3 "$1" "SELECT count(*) FROM housing_city_monthly"; }

"$synth" --quiet --out "$data/inbox" --months 2024-01..2024-02
a run "$repo/config/pipelines/creb.json" >/dev/null

# Backups: verified, recorded, rotated.
out=$(a backup --keep 2 --json) || fail "backup: $out"
first=$(sed -n 's/^  "path": "\(.*\)",\{0,1\}$/\1/p' <<<"$out")
{ [ -f "$first" ] && [ -f "$first.json" ]; } || fail "no backup file or record: $out"
grep -q '"ok": true' "$first.json" || fail "record says not verified"
[ "$(sha256sum "$first" | cut -d' ' -f1)" = "$(sed -n 's/^  "sha256": "\(.*\)",$/\1/p' "$first.json")" ] ||
  fail "the recorded SHA-256 is not the file's"
[ "$(sqlite3 "$first" 'PRAGMA integrity_check')" = ok ] || fail "backup fails integrity_check"
[ "$(sqlite3 "$first" 'PRAGMA journal_mode')" = delete ] || fail "backup is not a self-contained file"
grep -q '"name": "housing_city_monthly"' "$first.json" || fail "record lacks row counts"
ok "backup verified, SHA-256 and row counts recorded ($(basename "$first"))"
a backup --keep 2 >/dev/null
a backup --keep 2 >/dev/null
n=$(find "$data/backups" -name 'analytica-*.db' | wc -l)
[ "$n" -eq 2 ] || fail "--keep 2 left $n backups"
{ [ ! -e "$first" ] && [ ! -e "$first.json" ]; } || fail "the oldest backup was not rotated out"
ok "rotation keeps the newest 2"

# A backup while a run writes (another process holds the write lock at times).
"$synth" --quiet --out "$data/inbox" --months 2024-03..2024-08
a run "$repo/config/pipelines/creb.json" >/dev/null &
runner=$!
mkdir -p "$tmp/during"
for _ in 1 2 3; do a backup --to "$tmp/during" --keep 0 >/dev/null || fail "backup during a run"; done
wait "$runner" || fail "the run beside the backups failed"
for f in "$tmp/during"/*.db; do [ "$(sqlite3 "$f" 'PRAGMA integrity_check')" = ok ] || fail "$f is not sound"; done
ok "3 backups during a run, each sound"

# Restore brings the rows back, keeps a safety copy of what it replaced.
out=$(a backup --to "$tmp/keep" --json)
good=$(sed -n 's/^  "path": "\(.*\)",\{0,1\}$/\1/p' <<<"$out")
before=$(rows "$data/analytica.db")
sqlite3 "$data/analytica.db" "DELETE FROM housing_city_monthly"
out=$(a restore "$good" --safety-dir "$tmp/safety") || fail "restore: $out"
[ "$(rows "$data/analytica.db")" = "$before" ] || fail "restore did not bring back $before rows"
safety=$(find "$tmp/safety" -name 'pre-restore-*.db')
{ [ -n "$safety" ] && [ "$(rows "$safety")" = 0 ]; } || fail "no safety copy of the store as it was"
a db check >/dev/null || fail "store unsound after restore"
ok "restore: $before rows back, safety copy $(basename "$safety")"

# Corrupt files are refused and the store stays as it is.
sum=$(sha256sum "$data/analytica.db" | cut -d' ' -f1)
refuse() {
  local what="$1" file="$2" out
  if out=$(a restore "$file" --safety-dir "$tmp/safety2" 2>&1); then fail "$what was restored: $out"; fi
  grep -q "refusing\|no such backup\|corrupt\|not a sound" <<<"$out" || fail "$what: unclear refusal: $out"
  [ ! -d "$tmp/safety2" ] || fail "$what: a safety copy was made before refusing"
  [ "$(sha256sum "$data/analytica.db" | cut -d' ' -f1)" = "$sum" ] || fail "$what changed the store"
  ok "refused $what: ${out#analytica: }"
}
cp "$good" "$tmp/flipped.db"
cp "$good.json" "$tmp/flipped.db.json"
printf 'X' | dd of="$tmp/flipped.db" bs=1 seek=$(($(stat -c %s "$good") / 2)) conv=notrunc status=none
refuse "a backup whose bytes changed" "$tmp/flipped.db"
head -c 20000 "$good" >"$tmp/cut.db"
refuse "a truncated backup" "$tmp/cut.db"
echo "not a database" >"$tmp/text.db"
refuse "a text file" "$tmp/text.db"
# Damaged pages inside a file with no record: the integrity check catches it.
cp "$good" "$tmp/pages.db"
size=$(stat -c %s "$good")
dd if=/dev/urandom of="$tmp/pages.db" bs=4096 seek=$((size / 4096 / 2)) count=4 conv=notrunc status=none
refuse "a backup with damaged pages" "$tmp/pages.db"

# Usage errors: exit status 2.
set +e
a restore >/dev/null 2>&1; [ $? -eq 2 ] || fail "restore without FILE is not a usage error"
a backup --keep -1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--keep -1 is not a usage error"
"$analytica" --data-dir "$tmp/none" backup >/dev/null 2>&1; [ $? -eq 2 ] || fail "backup without a store is not a usage error"
set -e
ok "usage errors exit 2"
echo "backup_sqlite: all passed"
