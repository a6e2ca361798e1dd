#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, and runs every test
# through CTest. Servers the tests need are started by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
./deployment/install-deps.sh
./deployment/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 600
../deployment/test-sanitize.sh  # the same suite again under ASan+UBSan, in build-asan
