#!/usr/bin/env bash
# sdk.install: installs the build into a fresh temporary prefix the way a user
# would (`cmake --install BUILD --prefix PREFIX`) and checks the installed
# layout: host, core plugins, headers, CMake package, pkg-config file.
# Usage: install_sdk.sh BUILD_DIR PREFIX
set -euo pipefail
build=$1 prefix=$2
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
fail=0
need() { for f in "$@"; do [ -e "$prefix/$f" ] || { echo "FAIL: not installed: $f"; fail=1; }; done; }
need bin/analytica \
     include/analytica/analytica.h include/analytica/analytica_store.h include/analytica/analytica_cpp.hpp \
     include/analytica/analytica_record_key.hpp include/analytica/exports.map \
     include/analytica/analytica_prometheus.hpp include/analytica/analytica_run_liveness.hpp \
     include/analytica/compat/1.0/analytica.h include/analytica/compat/1.1/analytica.h \
     lib/cmake/Analytica/AnalyticaConfig.cmake lib/cmake/Analytica/AnalyticaConfigVersion.cmake \
     lib/cmake/Analytica/AnalyticaTargets.cmake lib/cmake/Analytica/AnalyticaPlugin.cmake \
     share/pkgconfig/analytica.pc share/analytica/analytica.json share/analytica/pipelines/creb.json \
     lib/analytica/plugins/libgovernance.so lib/analytica/plugins/libsource_directory.so \
     lib/analytica/plugins/libsink_sqlite.so lib/analytica/plugins/libextractor_creb.so \
     lib/systemd/system/analytica-monthly.service lib/systemd/system/analytica-monthly.timer \
     lib/sysusers.d/analytica.conf
# The installed host finds its installed plugins with no configuration at all:
# run from an empty directory (no config/analytica.json) with no ANALYTICA_* set.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
out=$(cd "$empty" && env -u ANALYTICA_PLUGIN_PATH -u ANALYTICA_CONFIG "$prefix/bin/analytica" plugins list) || {
  echo "FAIL: installed host: plugins list failed"; echo "$out"; fail=1; }
for p in governance source_directory sink_sqlite extractor_creb validator_ranges; do
  grep -q "^$p " <<<"$out" || { echo "FAIL: installed host does not list $p"; fail=1; }
done
if grep -q REFUSED <<<"$out"; then echo "FAIL: installed host refuses a core plugin:"; echo "$out"; fail=1; fi
# Core plugins export exactly one symbol, the entry.
syms=$(nm -D --defined-only "$prefix/lib/analytica/plugins/libsink_sqlite.so" | awk '{print $3}')
[ "$syms" = analytica_plugin_entry ] || { echo "FAIL: libsink_sqlite.so exports: $syms"; fail=1; }
pc=$(PKG_CONFIG_PATH="$prefix/share/pkgconfig" pkg-config --cflags analytica | xargs)
[ "$pc" = "-I$prefix/share/pkgconfig/../../include/analytica" ] || [ "$pc" = "-I$prefix/include/analytica" ] ||
  { echo "FAIL: pkg-config --cflags analytica: $pc"; fail=1; }
echo "installed files:"
(cd "$prefix" && find . -type f | sort | sed 's|^\./|  |')
exit $fail
