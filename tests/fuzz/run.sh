#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) in a
# build directory of their own, writes each target's seed corpus (generated:
# creb-synth reports, the project's pipeline files, well-formed and broken
# descriptors), replays every input kept in tests/fuzz/regressions/<target>/,
# then fuzzes each target for SECONDS.
#
#   tests/fuzz/run.sh [SECONDS [BUILD_DIR]]     # defaults: 60, ./build-fuzz
#
# Prints one line per target with the executions done. Exit status 1 if a
# regression input fails or fuzzing found a crash (the input is left in
# BUILD_DIR/fuzz-artifacts/<target>/; copy it to regressions/<target>/ once
# fixed). JOBS=N sets build parallelism (default 2).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$root/build-fuzz}
targets=(fuzz_creb_reader fuzz_creb_layout fuzz_pipeline_config fuzz_plugin_descriptor)

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Instrument every library for coverage; the fuzz executables add -fsanitize=fuzzer.
cmake -S "$root" -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DANALYTICA_FUZZ=ON -DANALYTICA_SANITIZE=ON \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}" >"$build/fuzz-build.log" 2>&1 ||
  { tail -40 "$build/fuzz-build.log"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  exe=$build/fuzz/$t
  corpus=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  ANALYTICA_FUZZ_SEEDS="$corpus" "$exe"
  # PDFs need room; the configuration and descriptor targets stay small.
  max_len=4096
  [ "$t" = fuzz_creb_reader ] && max_len=$(( $(find "$corpus" -type f -printf '%s\n' | sort -n | tail -1) + 1024 ))

  regressions=()
  if [ -d "$root/tests/fuzz/regressions/$t" ]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done \
      < <(find "$root/tests/fuzz/regressions/$t" -type f ! -name '*.md' -print0)
  fi
  if [ ${#regressions[@]} -gt 0 ] && ! "$exe" -rss_limit_mb=2048 -timeout=30 "${regressions[@]}" >"$log.regressions" 2>&1; then
    echo "$t: a regression input fails again:"; tail -30 "$log.regressions"; status=1; continue
  fi

  if "$exe" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
    result=ok
  else
    result="FOUND A CRASH (see $log and $artifacts)"; status=1
    grep -m1 -A25 "ERROR:\|runtime error\|deadly signal\|out-of-memory\|timeout" "$log" || tail -30 "$log"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "$t: ${runs:-?} executions in ${seconds}s, ${#regressions[@]} regression input(s), corpus $(find "$corpus" -type f | wc -l) files: $result"
done
exit $status
