#!/usr/bin/env bash
# base-image.sh — makes the local base image `debian:12` (tagged
# localhost/debian:12 and debian:12-slim) with debootstrap from the apt mirror
# this machine already uses, for machines that reach no registry. Does
# nothing when the image exists. Needs root, debootstrap and podman (or
# docker). Usage: deployment/base-image.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR source=engine.sh
. deployment/engine.sh
engine_detect || { echo "base-image.sh: neither podman nor docker found" >&2; exit 1; }

image=localhost/debian:12
if [ "${1:-}" != --force ] && "$ENGINE" image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
command -v debootstrap >/dev/null || { echo "base-image.sh: debootstrap is not installed" >&2; exit 1; }

sources=/etc/apt/sources.list.d/debian.sources
mirror=""
if [ -r "$sources" ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' "$sources")
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/analytica-rootfs.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT
echo "base-image.sh: debootstrap bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -20 "$rootfs.log" >&2
  rm -f "$rootfs.log"
  exit 1
}
rm -f "$rootfs.log"
if [ -r "$sources" ]; then
  rm -f "$rootfs/etc/apt/sources.list"
  cp "$sources" "$rootfs/etc/apt/sources.list.d/debian.sources"
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | "$ENGINE" import - "$image" >/dev/null
"$ENGINE" tag "$image" localhost/debian:12-slim
echo "base-image.sh: made $image"
