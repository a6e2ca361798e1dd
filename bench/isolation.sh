#!/usr/bin/env bash
# bench/isolation.sh [BUILD_DIR] — what running the extractor in a child process costs per
# report (issue 14 item 5, "isolation": "process"): the same N synthetic CREB reports ingested
# by `analytica run` with config/pipelines/creb.json's extractor in the host's process and
# isolated, each into a fresh data directory, alternating, medians of several runs. Prints the
# milliseconds per report of both, wall and CPU (user + system of analytica and its children,
# the isolated plugin's process included), and their ratios; exits 1 if isolation costs 10% or
# more CPU per report. The CPU ratio is the cost; the wall ratio is what a user waits, and on a
# busy shared machine it mostly measures the other load.
#
# Environment: BENCH_REPORTS (default 24), BENCH_RUNS (default 5), BENCH_WORK (scratch,
# default /tmp/analytica-bench). Needs analytica, analytica-plugin-host, the plugins and
# creb-synth built in BUILD_DIR (default build), and python3 to write the two pipelines.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
REPORTS=${BENCH_REPORTS:-24}
RUNS=${BENCH_RUNS:-5}
WORK=${BENCH_WORK:-/tmp/analytica-bench}/isolation
ANALYTICA=$BUILD/bin/analytica
for f in "$ANALYTICA" "$BUILD/bin/analytica-plugin-host" "$BUILD/bin/creb-synth"; do
  [[ -x $f ]] || { echo "bench/isolation.sh: $f is missing (cmake --build $BUILD --target analytica creb-synth)" >&2; exit 2; }
done
rm -rf "$WORK" && mkdir -p "$WORK/reports"
first=$(( 2024 * 12 - REPORTS ))  # months counted from year 0; the last one is 2023-12
"$BUILD/bin/creb-synth" --quiet --out "$WORK/reports" \
  --months "$(printf '%04d-%02d' $(( first / 12 )) $(( first % 12 + 1 )))..2023-12"
rm -f "$WORK"/reports/*.json
count=$(find "$WORK/reports" -name '*.pdf' | wc -l)

# The shipped pipeline with every extractor in the host's process, and isolated.
for mode in in-process isolated; do
  python3 - "$ROOT/config/pipelines/creb.json" "$WORK/$mode.json" "$mode" <<'PY'
import json, sys
src, dst, mode = sys.argv[1:]
p = json.load(open(src))
for e in p["extractors"]:
    for k in ("isolation", "timeout_s", "memory_mb"):
        e.pop(k, None)
    if mode == "isolated":
        e["isolation"] = "process"
json.dump(p, open(dst, "w"), indent=1)
PY
done

declare -A times cpus
TIMEFORMAT='%3R %3U %3S'
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $count reports, $RUNS runs per mode"
for (( run = 1; run <= RUNS; run++ )); do
  order=(in-process isolated)
  (( run % 2 == 0 )) && order=(isolated in-process)
  for mode in "${order[@]}"; do
    data="$WORK/data-$mode"
    rm -rf "$data" && mkdir -p "$data/inbox" && cp "$WORK"/reports/*.pdf "$data/inbox/"
    if ! { time "$ANALYTICA" --data-dir "$data" --log-level warn --log-file '' run "$WORK/$mode.json" \
             >/dev/null 2>"$WORK/$mode.err"; } 2>"$WORK/time"; then
      echo "bench/isolation.sh: the $mode run failed:" >&2; cat "$WORK/$mode.err" >&2; exit 2
    fi
    read -r wall user sys <"$WORK/time"
    ms=$(echo "$wall * 1000" | bc -l)
    cpu=$(echo "($user + $sys) * 1000" | bc -l)
    times[$mode]+="$ms "
    cpus[$mode]+="$cpu "
    printf '  run %d %-10s wall %7.0f ms (%6.1f ms/report)  cpu %7.0f ms (%6.1f ms/report)\n' "$run" "$mode" \
      "$ms" "$(echo "$ms / $count" | bc -l)" "$cpu" "$(echo "$cpu / $count" | bc -l)"
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
in_ms=$(echo "${times[in-process]}" | median)
iso_ms=$(echo "${times[isolated]}" | median)
in_cpu=$(echo "${cpus[in-process]}" | median)
iso_cpu=$(echo "${cpus[isolated]}" | median)
ratio=$(echo "$iso_cpu / $in_cpu" | bc -l)
printf 'wall: in-process %.1f ms/report, isolated %.1f ms/report, ratio %.3fx (median of %d runs of %d reports)\n' \
  "$(echo "$in_ms / $count" | bc -l)" "$(echo "$iso_ms / $count" | bc -l)" "$(echo "$iso_ms / $in_ms" | bc -l)" \
  "$RUNS" "$count"
printf 'cpu:  in-process %.1f ms/report, isolated %.1f ms/report\n' \
  "$(echo "$in_cpu / $count" | bc -l)" "$(echo "$iso_cpu / $count" | bc -l)"
printf 'RESULT isolation: isolated / in-process %.3fx CPU per report (target < 1.10x)\n' "$ratio"
(( $(echo "$ratio < 1.10" | bc -l) ))
