#!/usr/bin/env bash
# Installs the Debian 12 packages analytica needs to build, test and run.
# Idempotent and quick when everything is present. Needs root (or sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-filesystem-dev libboost-program-options-dev
  libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev nlohmann-json3-dev
  libpoppler-cpp-dev libpoppler-private-dev poppler-utils libssl-dev catch2
  libcpp-httplib-dev postgresql libpq-dev libpqxx-dev chromium
  libzip-dev libexpat1-dev libxlsxwriter-dev libcurl4-openssl-dev
  clang libclang-rt-14-dev shellcheck
  podman runc debootstrap containernetworking-plugins iptables podman-compose
  dpkg-dev lintian file
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
