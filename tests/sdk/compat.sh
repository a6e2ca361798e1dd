#!/usr/bin/env bash
# sdk.compat: plugins built with the INSTALLED SDK's pkg-config flags against
# the released headers (include/analytica/compat/1.0, 1.1) load and run in the
# current installed host; a plugin declaring another major, or a newer minor,
# is refused with one line naming the file and both versions.
# Usage: compat.sh SOURCE_DIR PREFIX WORK_DIR
set -euo pipefail
src=$1 prefix=$2 work=$3
rm -rf "$work"
mkdir -p "$work/plugins"
unset ANALYTICA_PLUGIN_PATH ANALYTICA_CONFIG ANALYTICA_DATA_DIR ANALYTICA_DATABASE ANALYTICA_LOG_FILE
export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
host="$prefix/bin/analytica"
inc=$(pkg-config --variable=includedir analytica)
read -r -a cflags <<<"$(pkg-config --variable=plugin_cflags analytica)"
read -r -a ldflags <<<"$(pkg-config --variable=plugin_ldflags analytica)"
host_abi=$(pkg-config --variable=abi_version analytica)
host_major=${host_abi%.*} host_minor=${host_abi#*.}
fail=0
build() {  # build NAME INCLUDE_DIR [-D...]
  local name=$1 dir=$2; shift 2
  cc -std=c11 -Wall -Wextra -pedantic-errors -Werror "${cflags[@]}" -I"$dir" -DCOMPAT_NAME="\"$name\"" "$@" \
     -o "$work/plugins/lib$name.so" "$src/tests/sdk/compat_extractor.c" "${ldflags[@]}"
}
build compat_v10 "$inc/compat/1.0"
build compat_v11 "$inc/compat/1.1"
build compat_newer "$inc" -DCOMPAT_ABI_MINOR=$((host_minor + 1))
build compat_major2 "$inc" -DCOMPAT_ABI_MAJOR=$((host_major + 1)) -DCOMPAT_ABI_MINOR=0
grep -q "define ANALYTICA_ABI_MINOR 1 " "$inc/compat/1.1/analytica.h" || { echo "FAIL: compat/1.1 is not ABI 1.1"; fail=1; }
grep -q "define ANALYTICA_ABI_MINOR 0" "$inc/compat/1.0/analytica.h" || { echo "FAIL: compat/1.0 is not ABI 1.0"; fail=1; }

for v in 10 11; do
  name=compat_v$v
  mkdir -p "$work/data-$v/inbox"
  printf 'apples 3\npears 5\n' >"$work/data-$v/inbox/fruit.kv"
  cat >"$work/$name.json" <<JSON
{"name": "$name", "table_prefix": "${name}_",
 "sources": [{"plugin": "source_directory", "settings": {"path": "\${data_dir}/inbox", "pattern": "*.kv"}}],
 "extractors": [{"plugin": "$name"}],
 "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "\${database}"}}]}
JSON
  if ! (cd "$work" && "$host" --plugin-dir "$work/plugins" --data-dir "$work/data-$v" run "$work/$name.json") \
       >"$work/$name.out" 2>&1; then
    echo "FAIL: ABI 1.${v:1} plugin did not run in the host of ABI $host_abi"; cat "$work/$name.out"; fail=1; continue
  fi
  got=$(sqlite3 "$work/data-$v/analytica.db" \
        "SELECT group_concat(name || '=' || value || '@' || abi, ' ') FROM (SELECT * FROM ${name}_compat_items ORDER BY name)")
  want="apples=3@1.${v:1} pears=5@1.${v:1}"
  if [ "$got" = "$want" ]; then echo "ok: ABI 1.${v:1} plugin ran in host $host_abi: $got"
  else echo "FAIL: ABI 1.${v:1} plugin: expected '$want', got '$got'"; cat "$work/$name.out"; fail=1; fi
done

refused() {  # refused NAME PLUGIN_VERSION
  local name=$1 want=$2 status=0 out
  out=$(cd "$work" && "$host" --plugin-dir "$work/plugins" plugins inspect "$name" 2>&1) || status=$?
  if [ $status -ne 2 ]; then echo "FAIL: $name: expected exit 2, got $status: $out"; fail=1; return; fi
  for part in "$work/plugins/lib$name.so" "plugin ABI $want" "host ABI $host_abi"; do
    grep -qF -- "$part" <<<"$out" || { echo "FAIL: $name refusal does not name '$part': $out"; fail=1; }
  done
  [ "$(wc -l <<<"$out")" -eq 1 ] || { echo "FAIL: $name refusal is not one line: $out"; fail=1; }
  echo "ok: refused: $out"
}
refused compat_newer "$host_major.$((host_minor + 1))"
refused compat_major2 "$((host_major + 1)).0"
exit $fail
