#!/usr/bin/env bash
# The test suite again under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer, in a second build directory (default build-asan):
# g++ with -DANALYTICA_SANITIZE=ON instruments every target of the tree — the
# host, every plugin, the tools and the test executables — and a UBSan report
# aborts its process, so the test fails.
#   deployment/test-sanitize.sh [BUILD_DIR]
# deployment/test.sh runs it after the normal suite (ANALYTICA_SANITIZE_SUITE=0
# skips it there).
#
# Left out, because they cannot mean anything here (a sanitized tree does not
# register them; see tests/deployment, tests/fuzz and the top CMakeLists.txt):
#   deployment.container  builds the image from the sources with the normal build
#   deployment.shellcheck, deployment.dockerfile_lint  read text, not compiled code
#   fuzz.smoke            builds its own clang ASan+libFuzzer tree
#   bench/                measures speed
# Everything else runs, among them the tests that start `analytica` as a child
# process, dlopen plugins, start PostgreSQL or drive Chromium. Each executable
# is linked with the ASan runtime, so plugins (instrumented too) find it already
# loaded and no LD_PRELOAD is needed; the programs that are not ours (sh,
# PostgreSQL, Chromium) ignore the *SAN_OPTIONS they inherit.
#
# -O1 -g1 instead of RelWithDebInfo's -O2 -g: about 40% less compile time (one
# host file: 10.2 s CPU at -O2 -g, 6.5 s at -O1 -g, 5.2 s at -O1 -g1) for the
# same findings; line tables are all a sanitizer's stack trace needs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
start=$(date +%s)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DANALYTICA_SANITIZE=ON \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
built=$(date +%s)
# Leaks are findings too. Options the caller sets come last and win.
# intercept_tls_get_addr=0: a bug of GCC 12's sanitizer runtime, not of this tree: it takes
# a dlopen'ed library's TLS block that happens to start 16 bytes into a page
# for a pre-2.25 glibc header and reads a bogus range, and LeakSanitizer's
# tracer then dies at exit ("Tracer caught signal 11", seen here after
# sink_postgres runs, 3 tests of 76). Without the interceptor only blocks of
# dynamic TLS go unscanned; nothing of ours keeps heap memory only there.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:check_initialization_order=1:intercept_tls_get_addr=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# System libraries' own memory, each entry with its reason (no leak of ours).
export LSAN_OPTIONS="suppressions=$PWD/deployment/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
cd "$build"
ctest --output-on-failure -j 2 --timeout 1200
echo "sanitizer suite (ASan+UBSan): build $(( built - start )) s, tests $(( $(date +%s) - built )) s"
