#!/usr/bin/env bash
# bench/lineage_pg.sh BUILD_DIR — lineage at scale on PostgreSQL (issue 17): a throwaway
# server (the TOOLCHAIN recipe; needs root and the postgresql package), two synthetic
# reports ingested by config/pipelines/creb-postgres.json, governance_lineage_cells grown
# to BENCH_LINEAGE_ROWS rows with generate_series (copies of one report's cells under new
# record keys and sources; records and sources grown to match), ANALYZE, then:
#   - each statement of `lineage` and `impact` (host/read/lineage.cpp, impact.cpp): planning +
#     execution ms from EXPLAIN ANALYZE, median of BENCH_RUNS, with its plan (index use);
#   - `analytica lineage` and `analytica impact` as a person runs them (whole process),
#     on the big store against the same command on the two-report store (the floor).
# Prints RESULT lines like proc_bench; exit 0 when every statement is under 10 ms.
# Environment: BENCH_RUNS (5), BENCH_WORK (/tmp/analytica-bench), BENCH_LINEAGE_ROWS
# (10000000), BENCH_PG_PORT (55439).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${BENCH_RUNS:-5}
ROWS=${BENCH_LINEAGE_ROWS:-10000000}
WORK=${BENCH_WORK:-/tmp/analytica-bench}/lineage-pg
PORT=${BENCH_PG_PORT:-55439}
ANALYTICA=$BUILD/bin/analytica
PIPELINE=$ROOT/config/pipelines/creb-postgres.json
PGBIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
[[ -x $PGBIN/initdb ]] || { echo "bench/lineage_pg.sh: no PostgreSQL server (apt-get install postgresql)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/lineage_pg.sh: needs root (the server runs as user postgres)" >&2; exit 2; }

rm -rf "$WORK"; mkdir -p "$WORK"
PGD=$(mktemp -d); chown postgres "$PGD"
stop() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$PGD"; }
trap stop EXIT
runuser -u postgres -- "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGD/data" -w -t 30 -l "$PGD/log" -o "-p $PORT -k /tmp \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c maintenance_work_mem=256MB -c max_wal_size=4GB" start >/dev/null
psql() { command psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql -c 'CREATE DATABASE analytica_bench_big' -c 'CREATE DATABASE analytica_bench_small'
export ANALYTICA_PG_HOST=127.0.0.1 ANALYTICA_PG_PORT=$PORT ANALYTICA_PG_USER=postgres

"$BUILD/bin/creb-synth" --quiet --out "$WORK/inbox" --months 2024-02..2024-03
for db in analytica_bench_small analytica_bench_big; do
  ANALYTICA_PG_DBNAME=$db "$ANALYTICA" --data-dir "$WORK" --log-level warn run "$PIPELINE" >/dev/null
done

big() { psql -d analytica_bench_big "$@"; }
SHA=$(big -c "SELECT sha256 FROM governance_sources WHERE status = 'ingested' ORDER BY name LIMIT 1")
TABLE=housing_city_monthly
KEY=$(big -c "SELECT record_key FROM governance_lineage_records WHERE table_name = '$TABLE' AND source_sha256 = '$SHA' ORDER BY record_key LIMIT 1")
PER=$(big -c "SELECT count(*) FROM governance_lineage_cells WHERE source_sha256 = '$SHA'")
HAVE=$(big -c "SELECT count(*) FROM governance_lineage_cells")
COPIES=$(( (ROWS - HAVE + PER - 1) / PER ))
# INSERT ... SELECT of one source's rows COPIES times: the source replaced by a numbered
# fake SHA-256, the record key made unique per copy.
grow() {  # table, source column
  local cols select
  cols=$(big -c "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '$1'")
  select=$(big -c "SELECT string_agg(CASE WHEN column_name = '$2' THEN '''b'' || lpad(k::text, 63, ''0'')'
                                          WHEN column_name = 'record_key' THEN 't.record_key || ''|bench='' || k'
                                          WHEN column_name = 'superseded_by' THEN 'NULL'
                                          ELSE 't.' || quote_ident(column_name) END, ', ' ORDER BY ordinal_position)
                   FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '$1'")
  big -c "INSERT INTO $1 ($cols) SELECT $select FROM generate_series(1, $COPIES) k, $1 t WHERE t.$2 = '$SHA' ON CONFLICT DO NOTHING"
}
echo "growing governance_lineage_cells by $COPIES copies of $PER cells ..."
t0=$(date +%s)
grow governance_lineage_cells source_sha256
grow governance_lineage_records source_sha256
grow governance_sources sha256
big -c 'ANALYZE'
CELLS=$(big -c "SELECT count(*) FROM governance_lineage_cells")
echo "grown in $(( $(date +%s) - t0 )) s: $CELLS governance_lineage_cells rows"

# The statements of host/read/lineage.cpp and impact.cpp, parameters filled in.
q() { printf "%s" "${1//\'/\'\'}"; }
declare -a NAMES=(
  "lineage: records of a key"
  "lineage: cells of a record version"
  "impact: records of a source"
  "impact: source by sha256"
)
declare -a SQLS=(
  "SELECT source_sha256, run_id, extractor, written_at, superseded_by FROM governance_lineage_records WHERE table_name = '$TABLE' AND record_key = '$(q "$KEY")' ORDER BY written_at DESC, source_sha256"
  "SELECT column_name, page, x0, y0, x1, y1, confidence, value FROM governance_lineage_cells WHERE table_name = '$TABLE' AND record_key = '$(q "$KEY")' AND source_sha256 = '$SHA'"
  "SELECT table_name, record_key, superseded_by FROM governance_lineage_records WHERE source_sha256 = '$SHA' ORDER BY table_name, record_key"
  "SELECT sha256 FROM governance_sources WHERE sha256 = '$SHA'"
)
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "lineage at scale (PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')): $CELLS governance_lineage_cells rows; per statement, median of $RUNS"
printf '%-36s %10s  %s\n' statement "big ms" "plan (big store)"
ok=1
for i in "${!NAMES[@]}"; do
  times=()
  for ((r = 0; r < RUNS; ++r)); do
    times+=("$(big -c "EXPLAIN (ANALYZE, FORMAT JSON) ${SQLS[$i]}" | python3 -c \
      'import json,sys; p=json.load(sys.stdin)[0]; print(p["Planning Time"] + p["Execution Time"])')")
  done
  ms=$(printf '%s\n' "${times[@]}" | median)
  plan=$(big -c "EXPLAIN ${SQLS[$i]}" | grep -o -E '(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( using [a-z_0-9]+)? on [a-z_]+' | paste -sd';')
  printf '%-36s %10.2f  %s\n' "${NAMES[$i]}" "$ms" "$plan"
  awk -v m="$ms" 'BEGIN {exit !(m > 10)}' && ok=0
  [[ $plan == *"Seq Scan"* ]] && echo "NOTE: no index serves \"${NAMES[$i]}\" (sequential scan)"
done

# The commands as a person runs them, against the two-report store.
IFS='|' read -r -a KEYPARTS <<< "$KEY"
printf '%-36s %10s %10s %8s\n' "command (whole process)" "big ms" "small ms" ratio
for cmd in lineage impact; do
  if [[ $cmd == lineage ]]; then args=(lineage "$TABLE" "${KEYPARTS[@]}"); else args=(impact "$SHA"); fi
  declare -A med=()
  for db in analytica_bench_big analytica_bench_small; do
    times=()
    for ((r = 0; r < RUNS; ++r)); do
      s=$(date +%s%N)
      ANALYTICA_PG_DBNAME=$db "$ANALYTICA" --data-dir "$WORK" --log-level warn "${args[@]}" --json --pipeline "$PIPELINE" >/dev/null
      times+=("$(( ($(date +%s%N) - s) / 1000 ))")
    done
    med[$db]=$(printf '%s\n' "${times[@]}" | median)
  done
  awk -v b="${med[analytica_bench_big]}" -v s="${med[analytica_bench_small]}" -v n="analytica $cmd (PostgreSQL)" \
    'BEGIN {printf "%-36s %10.1f %10.1f %7.2fx\n", n, b / 1000, s / 1000, b / s}'
done
echo "RESULT lineage (PostgreSQL): every statement $( ((ok)) && echo under || echo NOT under) 10 ms on $CELLS cell-lineage rows"
((ok))
