#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR] — every benchmark of issue 17, each printing its figure and its
# ratio to a floor measured in the same run (medians of several runs). See README,
# "Performance". Needs a built tree (analytica, the plugins, creb-synth and the bench_all
# target) and pdftotext (poppler-utils).
#
#   bench/run.sh build                       # everything (about 15-30 min on 2 busy cores)
#   BENCH_ONLY="single abi" bench/run.sh     # a subset: single run48 run1000 abi lineage lineage_pg dashboard isolation
#
# Environment: BENCH_RUNS (default 5), BENCH_WORK (scratch, default /tmp/analytica-bench),
# BENCH_1000_TIMEOUT (seconds, default 900), BENCH_LINEAGE_ROWS (default 10000000; lineage_pg
# starts a throwaway PostgreSQL server: root and the postgresql package),
# ANALYTICA_CORPUS_DIR (real reports for the single-report bench; synthetic ones without).
# Exit status: 0 when every target is met, 1 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${BENCH_RUNS:-5}
WORK=${BENCH_WORK:-/tmp/analytica-bench}
ONLY=${BENCH_ONLY:-single run48 run1000 abi lineage lineage_pg dashboard isolation}
ANALYTICA=$BUILD/bin/analytica
PIPELINE=$ROOT/config/pipelines/creb.json
CORPUS=${ANALYTICA_CORPUS_DIR:-$ROOT/../shared/corpus}
mkdir -p "$WORK"

for f in "$ANALYTICA" "$BUILD/bench/proc_bench" "$BUILD/bench/abi_bench"; do
  [[ -x $f ]] || { echo "bench/run.sh: $f is missing (cmake --build $BUILD --target analytica bench_all)" >&2; exit 2; }
done
command -v pdftotext >/dev/null || { echo "bench/run.sh: pdftotext not found (apt-get install poppler-utils)" >&2; exit 2; }

echo "machine: $(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: $BUILD   runs per figure: $RUNS   $(date -u +%FT%TZ)"
results=()
status=0
want() { [[ " $ONLY " == *" $1 "* ]]; }
step() {  # name, command...
  local name=$1; shift
  echo; echo "== $name"
  local log="$WORK/${name// /_}.log"
  "$@" 2>&1 | tee "$log"; local rc=${PIPESTATUS[0]}
  (( rc == 0 )) || status=1
  while IFS= read -r line; do results+=("$line"); done < <(grep '^RESULT' "$log")
}

if want single; then
  reports=()
  if compgen -G "$CORPUS/creb/*.pdf" >/dev/null; then
    reports=("$CORPUS"/creb/*.pdf)
  else
    "$BUILD/bin/creb-synth" --quiet --out "$WORK/single" --months 2024-01..2024-03
    reports=("$WORK"/single/*.pdf)
  fi
  step "single report" "$BUILD/bench/proc_bench" single --analytica "$ANALYTICA" --runs "$RUNS" "${reports[@]}"
fi
want run48 && step "48-report run" "$BUILD/bench/proc_bench" run --analytica "$ANALYTICA" --pipeline "$PIPELINE" \
  --reports 48 --runs "$(( RUNS < 3 ? RUNS : 3 ))" --work "$WORK"
want run1000 && step "1,000-report run (peak RSS)" "$BUILD/bench/proc_bench" run --analytica "$ANALYTICA" \
  --pipeline "$PIPELINE" --reports 1000 --runs 1 --no-floor --timeout "${BENCH_1000_TIMEOUT:-900}" --work "$WORK"
want abi && step "ABI overhead" "$BUILD/bench/abi_bench" --runs "$(( RUNS + 2 ))" "$BUILD/bench/plugins"
want lineage && step "lineage at scale" "$BUILD/bench/proc_bench" lineage --analytica "$ANALYTICA" \
  --pipeline "$PIPELINE" --rows "${BENCH_LINEAGE_ROWS:-10000000}" --runs "$RUNS" --work "$WORK"
want lineage_pg && step "lineage at scale (PostgreSQL)" env BENCH_RUNS="$RUNS" BENCH_WORK="$WORK" \
  "$ROOT/bench/lineage_pg.sh" "$BUILD"
want dashboard && step "dashboard under load" env BENCH_RUNS="$(( RUNS < 3 ? RUNS : 3 ))" BENCH_WORK="$WORK" \
  "$ROOT/bench/dashboard_load.sh" "$BUILD"
want isolation && step "isolated extractor" env BENCH_RUNS="$RUNS" BENCH_WORK="$WORK" "$ROOT/bench/isolation.sh" "$BUILD"

echo; echo "== summary"
printf '%s\n' "${results[@]}"
exit $status
