#!/usr/bin/env bash
# The main job on a fresh machine: install, build, generate sample CREB-like
# reports into DATA_DIR/inbox and run the CREB pipeline into the embedded
# SQLite database DATA_DIR/analytica.db. DATA_DIR defaults to ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${ANALYTICA_DATA_DIR:-data}"
./deployment/install-deps.sh
./deployment/build.sh
mkdir -p "$data_dir/inbox"
# The three most recent monthly reports, as CREB would have published them by now.
build/bin/creb-synth --quiet --out "$data_dir/inbox" \
  --months "$(date -d "$(date +%Y-%m-15) -3 month" +%Y-%m)..$(date -d "$(date +%Y-%m-15) -1 month" +%Y-%m)"
echo "sample reports: $(find "$data_dir/inbox" -maxdepth 1 -name "*.pdf" | wc -l) PDFs in $data_dir/inbox"
build/bin/analytica --data-dir "$data_dir" run config/pipelines/creb.json
echo
echo "Database: $data_dir/analytica.db"
sqlite3 -header -column "$data_dir/analytica.db" \
  "SELECT month, property_type, sales, benchmark_price, report_month FROM housing_city_monthly
   WHERE property_type = 'Total' ORDER BY month DESC LIMIT 5;"
