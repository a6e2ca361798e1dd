#!/usr/bin/env bash
# runtime-packages.sh — the Debian packages a runtime image needs for the
# given executables and shared libraries: every library `ldd` resolves,
# mapped to its package with `dpkg -S`, plus the few programs the image runs
# that no binary links (below). One package per line, sorted. Fails naming
# any library ldd cannot find or dpkg does not know.
#   deployment/runtime-packages.sh build/bin/analytica build/plugins/*.so
set -euo pipefail

# Programs, not libraries: pg_dump/pg_restore/psql for sink_postgres' backups,
# CA certificates for sources that fetch over HTTPS.
extra_packages=(postgresql-client ca-certificates)

[ $# -gt 0 ] || { echo "usage: $0 BINARY|LIBRARY..." >&2; exit 2; }
libs=$(for f in "$@"; do
  out=$(ldd "$f") || { echo "runtime-packages.sh: ldd failed on $f" >&2; exit 1; }
  if grep -q 'not found' <<<"$out"; then
    echo "runtime-packages.sh: $f: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ')" >&2
    exit 1
  fi
  awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$out"
done | sort -u)

# Which package owns each library file: dpkg -S once over the path ldd
# printed, its real path, and both with and without the /usr prefix (merged
# /usr registers either).
variants() {
  local real
  real=$(readlink -f "$1")
  printf '%s\n' "$1" "$real" "${1#/usr}" "/usr$1" "${real#/usr}" "/usr$real"
}
owners=$(while IFS= read -r lib; do [ -n "$lib" ] && variants "$lib"; done <<<"$libs" | sort -u |
  xargs -r dpkg -S 2>/dev/null | grep -v '^diversion' || true)

packages=()
while IFS= read -r lib; do
  [ -n "$lib" ] || continue
  pkg=""
  while IFS= read -r candidate; do
    pkg=$(awk -v f="$candidate" '{p = $1; sub(/:$/, "", p); sub(/:.*/, "", p); path = $0; sub(/^[^ ]+ /, "", path)}
                                 path == f {print p; exit}' <<<"$owners")
    [ -n "$pkg" ] && break
  done < <(variants "$lib")
  if [ -z "$pkg" ]; then
    echo "runtime-packages.sh: no package owns $lib" >&2
    exit 1
  fi
  packages+=("$pkg")
done <<<"$libs"
printf '%s\n' "${packages[@]}" "${extra_packages[@]}" | sort -u
