#!/usr/bin/env bash
# sdk.examples: builds each project in examples/ with a fresh CMake configure
# against the INSTALLED SDK only (CMAKE_PREFIX_PATH=PREFIX, no path into the
# source tree), installs them into the prefix, and runs examples/
# statcan-pipeline.json through the INSTALLED host into SQLite. No host code
# is built here. Prints the time from find_package (configure) to a loaded
# example plugin.
# Usage: examples.sh SOURCE_DIR PREFIX WORK_DIR
set -euo pipefail
src=$1 prefix=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
unset ANALYTICA_PLUGIN_PATH ANALYTICA_CONFIG ANALYTICA_DATA_DIR ANALYTICA_DATABASE ANALYTICA_LOG_FILE
host="$prefix/bin/analytica"
fail=0
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Copy the examples out of the tree first: nothing may reach back into it.
cp -r "$src/examples" "$work/examples"
now() { date +%s.%N; }

for p in extractor_statcan source_manifest validator_index_bounds; do
  t0=$(now)
  cmake -S "$work/examples/$p" -B "$work/build-$p" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INSTALL_PREFIX="$prefix" >"$work/$p.configure.log" 2>&1 ||
    { echo "FAIL: configure $p"; cat "$work/$p.configure.log"; exit 1; }
  t1=$(now)
  cmake --build "$work/build-$p" >"$work/$p.build.log" 2>&1 || { echo "FAIL: build $p"; cat "$work/$p.build.log"; exit 1; }
  t2=$(now)
  # Loaded by the installed host straight from the build directory.
  (cd "$work" && "$host" --plugin-dir "$work/build-$p" plugins inspect "$p") >"$work/$p.inspect" 2>&1 ||
    { echo "FAIL: installed host cannot load $p"; cat "$work/$p.inspect"; exit 1; }
  t3=$(now)
  awk -v p="$p" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
    printf "SDK-TIME %-24s find_package+configure %.2fs, build %.2fs, load %.2fs: find_package -> loaded plugin %.2fs\n",
           p, b - a, c - b, d - c, d - a }'
  grep -q "ABI 1\." "$work/$p.inspect" || { echo "FAIL: $p inspect:"; cat "$work/$p.inspect"; fail=1; }
  # Exactly one exported symbol: the export map of the installed package applied.
  syms=$(nm -D --defined-only "$work/build-$p/lib$p.so" | awk '{print $3}')
  [ "$syms" = analytica_plugin_entry ] || { echo "FAIL: lib$p.so exports: $syms"; fail=1; }
  cmake --install "$work/build-$p" >/dev/null
  [ -f "$prefix/lib/analytica/plugins/lib$p.so" ] || { echo "FAIL: $p not installed into the prefix"; fail=1; }
  # The build must not have read anything from the source tree.
  if grep -rqs -- "$src/plugin-api" "$work/build-$p/CMakeCache.txt" "$work/build-$p/build.ninja" "$work/build-$p/Makefile"; then
    echo "FAIL: $p was built against the source tree, not the installed SDK"; fail=1
  fi
done

# The installed host finds the installed examples without configuration.
list=$(cd "$work" && "$host" plugins list)
for p in extractor_statcan source_manifest validator_index_bounds; do
  grep -q "^$p " <<<"$list" || { echo "FAIL: installed host does not list installed $p"; echo "$list"; fail=1; }
done

# The pipeline, through the installed host, from a directory with no config.
data="$work/data"
if ! (cd "$work" && "$host" --data-dir "$data" run "$work/examples/statcan-pipeline.json") >"$work/run.out" 2>"$work/run.err"; then
  echo "FAIL: pipeline run"; cat "$work/run.out" "$work/run.err"; exit 1
fi
cat "$work/run.out"
db="$data/analytica.db"
q() { sqlite3 "$db" "$1"; }
check() {  # check WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1 = $3"; else echo "FAIL: $1: expected '$2', got '$3'"; fail=1; fi
}
check "rows in statcan_nhpi" 54 "$(q 'SELECT count(*) FROM statcan_nhpi')"
check "Calgary total 2024-03" 139.4 "$(q "SELECT value FROM statcan_nhpi WHERE geo='Calgary, Alberta' AND index_type='Total (house and land)' AND ref_date='2024-03'")"
check "missing value kept as NULL with its status" ".." "$(q "SELECT status FROM statcan_nhpi WHERE value IS NULL")"
check "range checks" 54 "$(q "SELECT count(*) FROM validation_checks WHERE check_name='index_bounds.range' AND passed=1")"
check "jump checks failed" 0 "$(q "SELECT count(*) FROM validation_checks WHERE check_name='index_bounds.jump' AND passed=0")"
check "governance run" succeeded "$(q "SELECT status FROM governance_runs ORDER BY started_at DESC LIMIT 1")"
check "source registered" "18100205.csv|ingested" "$(q "SELECT name, status FROM governance_sources")"
check "plugins recorded" 1 "$(q "SELECT count(*) FROM governance_runs WHERE plugins LIKE '%extractor_statcan%' AND plugins LIKE '%source_manifest%' AND plugins LIKE '%validator_index_bounds%'")"
# Same bytes again: skipped.
(cd "$work" && "$host" --data-dir "$data" run "$work/examples/statcan-pipeline.json") >"$work/run2.out" 2>&1 ||
  { echo "FAIL: second run"; cat "$work/run2.out"; fail=1; }
grep -q "1 unchanged" "$work/run2.out" || { echo "FAIL: second run did not skip:"; cat "$work/run2.out"; fail=1; }
exit $fail
