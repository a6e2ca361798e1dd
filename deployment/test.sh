#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, and runs every test
# through CTest. Servers the tests need are started by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
./deployment/install-deps.sh
./deployment/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 600
# Then the same suite under ASan+UBSan in a second build directory,
# build-asan (deployment/test-sanitize.sh says what it leaves out and why).
# ANALYTICA_SANITIZE_SUITE=0 skips it, for a quicker local run.
if [ "${ANALYTICA_SANITIZE_SUITE:-1}" != 0 ]; then
  ../deployment/test-sanitize.sh
fi
