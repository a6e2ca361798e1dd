#!/usr/bin/env bash
# The whole test suite again under AddressSanitizer + UndefinedBehaviorSanitizer
# (g++, -DANALYTICA_SANITIZE=ON: every target, host, plugins and tests, with
# -fno-sanitize-recover=undefined) in a second build directory, build-asan.
# Called by deployment/test.sh after the normal suite; runs alone too.
#   deployment/test-sanitize.sh [BUILD_DIR]      # default ./build-asan
# The fuzz smoke run is left to the normal suite (it builds its own clang tree).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
start=$(date +%s)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DANALYTICA_SANITIZE=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
# Leaks are findings too; a UBSan report aborts the process, so the test fails.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j 2 --timeout 1200
echo "sanitizer suite (ASan+UBSan): $(( $(date +%s) - start )) s"
