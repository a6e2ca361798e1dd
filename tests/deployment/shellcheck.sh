#!/usr/bin/env bash
# Runs shellcheck (Debian's package, default severity: every note counts) on
# every shell script of the repository that git tracks or would track.
# Usage: shellcheck.sh REPO_ROOT
set -euo pipefail
cd "$1"
if ! command -v shellcheck >/dev/null; then
  echo "shellcheck is not installed (apt-get install shellcheck)" >&2
  exit 1
fi
mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' ':!:build*/**' | sort)
if [ ${#scripts[@]} -eq 0 ]; then
  echo "no shell scripts found" >&2
  exit 1
fi
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p') on ${#scripts[@]} scripts"
# -x follows sourced files; each script's own directory is searched first.
if shellcheck -x -P SCRIPTDIR "${scripts[@]}"; then
  printf '  ok  %s\n' "${scripts[@]}"
else
  echo "FAILED: shellcheck found problems above" >&2
  exit 1
fi
