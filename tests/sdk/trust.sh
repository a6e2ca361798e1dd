#!/usr/bin/env bash
# sdk.trust: plugin trust through the installed host. Under a policy that
# requires trust, an untrusted or modified plugin is refused before it is
# loaded, naming the file and its hash; `plugins trust` lists a file's
# SHA-256, `plugins sign` writes a detached Ed25519 signature (the same one
# `openssl pkeyutl -sign -rawin` makes), `plugins verify` reports every file;
# trusted plugins run a pipeline.
# Usage: trust.sh PREFIX WORK_DIR
set -euo pipefail
prefix=$1 work=$2
rm -rf "$work"
mkdir -p "$work/mod" "$work/signed" "$work/data/inbox"
unset ANALYTICA_PLUGIN_PATH ANALYTICA_CONFIG ANALYTICA_DATA_DIR ANALYTICA_DATABASE ANALYTICA_LOG_FILE
cd "$work"
host="$prefix/bin/analytica"
core="$prefix/lib/analytica/plugins"
fail=0
expect() {  # expect STATUS PATTERN... -- COMMAND...: exit status and every fixed string in its output
  local want=$1; shift
  local patterns=()
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  local status=0 out
  out=$("$@" 2>&1) || status=$?
  if [ "$status" -ne "$want" ]; then echo "FAIL: exit $status (expected $want): $*"; echo "$out"; fail=1; return; fi
  for p in "${patterns[@]}"; do
    grep -qF -- "$p" <<<"$out" || { echo "FAIL: no '$p' in output of: $*"; echo "$out"; fail=1; return; }
  done
  echo "ok: $* -> $status"
}

openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
cat >policy.json <<'JSON'
{"require": true, "trusted": "trusted.sha256", "public_keys": ["pub.pem"]}
JSON
export ANALYTICA_PLUGIN_TRUST="$work/policy.json"

# Nothing trusted yet: refused before loading, naming file and hash.
sink="$core/libsink_sqlite.so"
sink_sha=$(sha256sum "$sink" | cut -d' ' -f1)
expect 2 "$sink: untrusted plugin refused (sha256 $sink_sha)" -- "$host" plugins inspect sink_sqlite
expect 1 "UNTRUSTED  $sink" "trust required" -- "$host" plugins verify

# Trust the core plugins by hash; verify passes and a pipeline runs.
"$host" plugins trust "$core"/*.so >/dev/null
grep -q "^$sink_sha  $(readlink -f "$sink")\$" trusted.sha256 || { echo "FAIL: trusted.sha256 lacks $sink"; cat trusted.sha256; fail=1; }
expect 0 "trusted    $sink  sha256 $sink_sha" -- "$host" plugins verify
printf 'name,count\napples,3\npears,5\n' >data/inbox/fruit.csv
cat >csv.json <<'JSON'
{"name": "csv", "sources": [{"plugin": "source_directory", "settings": {"path": "${data_dir}/inbox", "pattern": "*.csv"}}],
 "extractors": [{"plugin": "extractor_csv"}], "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}]}
JSON
expect 0 "1 ingested" -- "$host" --data-dir "$work/data" run csv.json
got=$(sqlite3 data/analytica.db "SELECT group_concat(name || '=' || count, ' ') FROM fruit")
[ "$got" = "apples=3 pears=5" ] || { echo "FAIL: trusted pipeline wrote '$got'"; fail=1; }

# A trusted file modified afterwards is refused, naming its new and its trusted hash.
cp "$core/libextractor_csv.so" mod/
"$host" plugins trust mod/libextractor_csv.so >/dev/null
old_sha=$(sha256sum mod/libextractor_csv.so | cut -d' ' -f1)
printf 'x' >>mod/libextractor_csv.so     # still a loadable ELF file, other bytes
new_sha=$(sha256sum mod/libextractor_csv.so | cut -d' ' -f1)
expect 2 "$work/mod/libextractor_csv.so: untrusted plugin refused (sha256 $new_sha)" "modified since trusted" "$old_sha" \
  -- "$host" --plugin-dir "$work/mod" plugins inspect extractor_csv

# Signed instead of listed: a detached Ed25519 signature by a configured key.
cp mod/libextractor_csv.so signed/
expect 0 "libextractor_csv.so.sig" -- "$host" plugins sign signed/libextractor_csv.so --key key.pem
openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in signed/libextractor_csv.so -sigfile signed/libextractor_csv.so.sig \
  >/dev/null || { echo "FAIL: openssl does not verify the signature analytica wrote"; fail=1; }
expect 0 "extractor_csv" "ABI 1." -- "$host" --plugin-dir "$work/signed" plugins inspect extractor_csv
expect 0 "trusted    $work/signed/libextractor_csv.so" "signature by $work/pub.pem" \
  -- "$host" --plugin-dir "$work/signed" plugins verify
# openssl's own signature is accepted too.
openssl pkeyutl -sign -inkey key.pem -rawin -in signed/libextractor_csv.so -out signed/libextractor_csv.so.sig
expect 0 "extractor_csv" -- "$host" --plugin-dir "$work/signed" plugins inspect extractor_csv
# Signed by a key the policy does not list: refused.
"$host" plugins sign signed/libextractor_csv.so --key other.pem >/dev/null
expect 2 "untrusted plugin refused (sha256 $new_sha)" "does not verify" \
  -- "$host" --plugin-dir "$work/signed" plugins inspect extractor_csv
# Signature of other bytes: refused.
"$host" plugins sign signed/libextractor_csv.so --key key.pem >/dev/null
printf 'y' >>signed/libextractor_csv.so
expect 2 "untrusted plugin refused" "does not verify" -- "$host" --plugin-dir "$work/signed" plugins inspect extractor_csv

# A policy that does not require trust loads anything, as before.
cat >policy.json <<'JSON'
{"require": false, "trusted": "trusted.sha256"}
JSON
expect 0 "extractor_csv" -- "$host" --plugin-dir "$work/signed" plugins inspect extractor_csv
expect 1 "UNTRUSTED  $work/signed/libextractor_csv.so" "trust not required" -- "$host" --plugin-dir "$work/signed" plugins verify
exit $fail
