#!/usr/bin/env bash
# sdk.deb: `cpack -G DEB` builds analytica and analytica-dev; lintian finds no
# errors in them; their dependencies come from dpkg-shlibdeps; unpacked with
# dpkg-deb -x into a temporary root (no dpkg -i, no root needed), the
# packaged host runs the demo pipeline from there with its packaged plugins,
# configuration and creb-synth. Prints the package sizes.
# Usage: deb.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work"
mkdir -p "$work/pkgs" "$work/root" "$work/data/inbox"
unset ANALYTICA_PLUGIN_PATH ANALYTICA_CONFIG ANALYTICA_DATA_DIR ANALYTICA_DATABASE ANALYTICA_LOG_FILE ANALYTICA_PLUGIN_TRUST
fail=0
(cd "$work/pkgs" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkgs" >cpack.log 2>&1) ||
  { echo "FAIL: cpack"; cat "$work/pkgs/cpack.log"; exit 1; }
runtime=$(ls "$work"/pkgs/analytica_*.deb) dev=$(ls "$work"/pkgs/analytica-dev_*.deb)
for deb in "$runtime" "$dev"; do
  printf 'package %-40s %8d bytes (%s installed)\n' "$(basename "$deb")" "$(stat -c %s "$deb")" \
    "$(dpkg-deb -f "$deb" Installed-Size) KiB"
done
depends=$(dpkg-deb -f "$runtime" Depends)
echo "analytica Depends: $depends"
for lib in libc6 libstdc++6 libsqlite3-0 libssl3 libspdlog1.10 libpoppler-cpp0v5; do
  grep -q "$lib" <<<"$depends" || { echo "FAIL: analytica does not depend on $lib"; fail=1; }
done
grep -q "analytica (= " <<<"$(dpkg-deb -f "$dev" Depends)" || { echo "FAIL: analytica-dev does not depend on analytica"; fail=1; }
[ "$(dpkg-deb -f "$dev" Architecture)" = all ] || { echo "FAIL: analytica-dev is not Architecture: all"; fail=1; }
contents=$(dpkg-deb -c "$runtime" | awk '{print $6}')
for f in ./usr/bin/analytica ./usr/bin/analytica-plugin-host ./usr/lib/analytica/plugins/libgovernance.so ./usr/share/analytica/analytica.json \
         ./usr/share/analytica/pipelines/creb.json ./usr/lib/systemd/system/analytica-monthly.service \
         ./usr/lib/systemd/system/analytica-monthly.timer ./usr/lib/sysusers.d/analytica.conf; do
  grep -qx -- "$f" <<<"$contents" || { echo "FAIL: analytica lacks $f"; fail=1; }
done
grep -q "include/analytica" <<<"$contents" && { echo "FAIL: headers in the runtime package"; fail=1; }
dev_contents=$(dpkg-deb -c "$dev" | awk '{print $6}')
for f in ./usr/include/analytica/analytica.h ./usr/lib/cmake/Analytica/AnalyticaConfig.cmake ./usr/share/pkgconfig/analytica.pc; do
  grep -qx -- "$f" <<<"$dev_contents" || { echo "FAIL: analytica-dev lacks $f"; fail=1; }
done

if command -v lintian >/dev/null; then
  for deb in "$runtime" "$dev"; do
    out=$(lintian --no-tag-display-limit "$deb" 2>&1 || true)
    errors=$(grep '^E:' <<<"$out" || true)
    if [ -n "$errors" ]; then echo "FAIL: lintian errors in $(basename "$deb"):"; echo "$errors"; fail=1
    else echo "ok: lintian: no errors in $(basename "$deb") ($(grep -c '^W:' <<<"$out" || true) warnings)"; fi
  done
else
  echo "lintian not installed: skipped (deployment/install-deps.sh installs it)"
fi

for deb in "$runtime" "$dev"; do dpkg-deb -x "$deb" "$work/root"; done
root="$work/root"
# The systemd unit and timer parse (the host is not installed at /usr/bin here:
# that one complaint is expected).
if command -v systemd-analyze >/dev/null; then
  units="$root/usr/lib/systemd/system"
  out=$(systemd-analyze verify --man=no "$units/analytica-monthly.timer" "$units/analytica-monthly.service" 2>&1 || true)
  out=$(grep -v "Command /usr/bin/analytica is not executable" <<<"$out" || true)
  if [ -n "$out" ]; then echo "FAIL: systemd-analyze verify:"; echo "$out"; fail=1; else echo "ok: systemd units verify"; fi
fi
grep -qx "u analytica - \"Calgary Analytica\" /var/lib/analytica" "$root/usr/lib/sysusers.d/analytica.conf" ||
  { echo "FAIL: sysusers entry"; fail=1; }
# The demo: three months of synthetic CREB reports, the packaged pipeline.
"$root/usr/bin/creb-synth" --quiet --out "$work/data/inbox" \
  --months "$(date -d "$(date +%Y-%m-15) -3 month" +%Y-%m)..$(date -d "$(date +%Y-%m-15) -1 month" +%Y-%m)"
if ! (cd "$work" && "$root/usr/bin/analytica" --data-dir "$work/data" run "$root/usr/share/analytica/pipelines/creb.json") \
     >"$work/run.out" 2>&1; then
  echo "FAIL: demo pipeline from the unpacked packages"; cat "$work/run.out"; exit 1
fi
tail -n 3 "$work/run.out"
rows=$(sqlite3 "$work/data/analytica.db" "SELECT count(*) FROM housing_city_monthly")
status=$(sqlite3 "$work/data/analytica.db" "SELECT status FROM governance_runs ORDER BY started_at DESC LIMIT 1")
if [ "$rows" -gt 0 ] && [ "$status" = succeeded ]; then
  echo "ok: demo wrote $rows city rows, run $status"
else
  echo "FAIL: demo wrote $rows rows, run '$status'"; fail=1
fi
# The plugins it used are the packaged ones.
grep -q "$root/usr/lib/analytica/plugins" <<<"$(cd "$work" && "$root/usr/bin/analytica" plugins inspect sink_sqlite)" ||
  { echo "FAIL: the unpacked host did not load its packaged plugins"; fail=1; }
exit $fail
