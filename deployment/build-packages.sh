#!/usr/bin/env bash
# build-packages.sh — the Debian packages needed to BUILD analytica (the
# image's build stage): deployment/install-deps.sh's list, the one place
# where the project's dependencies are named, minus what only tests,
# packaging, containers or the browser checks need. One per line.
#   deployment/build-packages.sh | xargs apt-get install -y --no-install-recommends
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
not_for_building=(
  postgresql sqlite3 poppler-utils chromium libpqxx-dev
  clang libclang-rt-14-dev shellcheck
  podman runc debootstrap containernetworking-plugins iptables podman-compose docker.io docker-compose
  dpkg-dev lintian file
)
list=$(sed -n '/^packages=(/,/^)/p' "$here/install-deps.sh" | sed '1d;$d' | tr -s ' \t' '\n' | sed '/^$/d')
[ -n "$list" ] || { echo "build-packages.sh: no packages=( ... ) list in install-deps.sh" >&2; exit 1; }
grep -vxF -f <(printf '%s\n' "${not_for_building[@]}") <<<"$list"
