#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, and runs every test
# through CTest. Servers the tests need are started by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
./deployment/install-deps.sh
./deployment/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 600
# The same suite under ASan+UBSan (build-asan): opt-in until it has been
# seen to pass within CI's time (see deployment/test-sanitize.sh).
if [ "${ANALYTICA_SANITIZE_SUITE:-0}" = 1 ]; then
  ../deployment/test-sanitize.sh
fi
