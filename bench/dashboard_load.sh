#!/usr/bin/env bash
# bench/dashboard_load.sh [BUILD_DIR] — the dashboard under load (issue 17): builds (or
# reuses) a 16-report store, starts `analytica serve` on 127.0.0.1, runs 2,000 requests at
# 20 concurrent against /api/market and /health with bench/dashboard_load (one connection
# per request, then keep-alive), BENCH_RUNS times each, prints p50/p99 per path, stops
# serve and exits by itself. Target: p99 < 50 ms on both paths.
#
# Environment: BENCH_RUNS (default 3), BENCH_WORK (scratch, default /tmp/analytica-bench),
# BENCH_DASHBOARD_REQUESTS (default 2000), BENCH_DASHBOARD_CONCURRENCY (default 20),
# ANALYTICA_CORPUS_DIR (the real CREB reports, if 16 are there; synthetic ones otherwise).
# Exit status: 0 when every run meets the target, 1 otherwise, 2 if something is missing.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${BENCH_RUNS:-3}
WORK=${BENCH_WORK:-/tmp/analytica-bench}/dashboard
REQUESTS=${BENCH_DASHBOARD_REQUESTS:-2000}
CONCURRENCY=${BENCH_DASHBOARD_CONCURRENCY:-20}
CORPUS=${ANALYTICA_CORPUS_DIR:-$ROOT/../shared/corpus}
ANALYTICA=$BUILD/bin/analytica
LOAD=$BUILD/bench/dashboard_load
for f in "$ANALYTICA" "$BUILD/bin/creb-synth" "$LOAD"; do
  [[ -x $f ]] || { echo "dashboard_load.sh: $f is missing (cmake --build $BUILD --target analytica creb-synth dashboard_load)" >&2; exit 2; }
done

# The store: 16 reports ingested by the real pipeline, kept between runs.
DATA=$WORK/data
if [[ ! -f $WORK/store-ready ]]; then
  rm -rf "$WORK"; mkdir -p "$DATA/inbox"
  real=()
  compgen -G "$CORPUS/creb/*.pdf" >/dev/null && real=("$CORPUS"/creb/*.pdf)
  if (( ${#real[@]} >= 16 )); then
    for f in "${real[@]:0:16}"; do ln -s "$f" "$DATA/inbox/"; done
    echo "store: 16 real reports from $CORPUS/creb"
  else
    "$BUILD/bin/creb-synth" --quiet --out "$DATA/inbox" --months 2023-01..2024-04 || exit 2
    echo "store: 16 synthetic reports (creb-synth)"
  fi
  "$ANALYTICA" --data-dir "$DATA" --log-level warn --log-file '' run "$ROOT/config/pipelines/creb.json" >/dev/null || {
    echo "dashboard_load.sh: the run building the store failed" >&2; exit 2; }
  touch "$WORK/store-ready"
fi

# serve on a free port; the first line of its output names it.
"$ANALYTICA" --data-dir "$DATA" --log-level warn --log-file '' serve --port 0 --pipeline "$ROOT/config/pipelines/creb.json" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/serve.out")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { echo "dashboard_load.sh: serve did not start: $(cat "$WORK/serve.err")" >&2; exit 2; }

status=0
for mode in "" --keep-alive; do
  for run in $(seq "$RUNS"); do
    echo "-- run $run ${mode:-(one connection per request)}"
    timeout 600 "$LOAD" --port "$port" --requests "$REQUESTS" --concurrency "$CONCURRENCY" \
      --path /api/market --path /health --deadline-seconds 300 $mode || status=1
  done
done
exit $status
