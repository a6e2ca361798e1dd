// `analytica run config/pipelines/creb.json` over synthetic reports with one
// extraction worker (everything on one thread) and with two: the stores are
// the same table by table, row by row in insertion order (so in input order),
// apart from run ids and clock times. A broken input in the middle fails
// alone in both. Governance's index by source exists on a new store, comes
// back on an existing one and is what `impact`'s lookup uses.
#include "support/support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

namespace fs = std::filesystem;

namespace {

const std::string kPipeline = std::string(SOURCE_DIR) + "/config/pipelines/creb.json";

// The same inbox (data dir) for every run; the database apart.
CliResult run_into(const TempDir& t, const fs::path& db, const std::string& workers) {
  return run_cli({"--data-dir", t.path.string(), "--database", db.string(), "run", kPipeline},
                 "ANALYTICA_EXTRACT_WORKERS=" + workers);
}

// Columns that differ between two runs of the same inputs: which run, which
// process, when, and the resolved pipeline's hash (it names the database file).
bool run_specific(const std::string& column) {
  static const std::regex pattern(
      "(.*_)?run_id|.*_at|first_seen|last_seen|.*_time|.*timestamp.*|id|pid|process_start|config_sha256");
  return std::regex_match(column, pattern);
}

// A row with clock times and UUIDs (run ids) replaced by placeholders.
std::string without_times(const std::string& row) {
  static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  static const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  return std::regex_replace(std::regex_replace(row, time, "<time>"), uuid, "<uuid>");
}

// Every table of the store with its rows in insertion order (rowid), run
// ids and clock times left out.
Rows dump_store(const fs::path& db) {
  Rows all;
  for (const auto& table : sql_rows(db,
                                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                    "'sqlite_%' ORDER BY name")) {
    std::string columns;
    for (const auto& column : sql_rows(db, "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid"))
      if (!run_specific(column)) columns += (columns.empty() ? "\"" : ", \"") + column + "\"";
    all.push_back("table " + table + ": " + columns);
    for (const auto& row : sql_rows(db, "SELECT " + columns + " FROM \"" + table + "\" ORDER BY rowid"))
      all.push_back(table + ": " + without_times(row));
  }
  return all;
}

size_t count_prefix(const Rows& rows, const std::string& prefix) {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [&](const std::string& r) { return r.rfind(prefix, 0) == 0; }));
}

}  // namespace

TEST_CASE("two extraction workers write what one writes, in input order; a broken input fails alone",
          "[parallel][creb]") {
  TempDir t;
  synth_reports(t / "inbox", {"2024-01", "2024-02", "2024-04"}, {"--seed", "11"});
  // Sorts between the February and April reports (source_directory yields names in order).
  write_text(t / "inbox/03_2024_Calgary_Monthly_Stats_Package.pdf", "%PDF-1.4\nnot really a PDF\n");

  const auto serial = run_into(t, t / "serial.db", "1");
  const auto parallel = run_into(t, t / "parallel.db", "2");
  CHECK(serial.status != 0);  // the broken input fails the run
  CHECK(contains(serial.out, "3 ingested, 0 unchanged, 1 failed"));
  CHECK(contains(parallel.out, "3 ingested, 0 unchanged, 1 failed"));

  const Rows one = dump_store(t / "serial.db");
  const Rows two = dump_store(t / "parallel.db");
  CHECK(count_prefix(one, "housing_city_monthly: ") > 50);
  CHECK(count_prefix(one, "governance_lineage_cells: ") > 1000);
  CHECK(count_prefix(one, "review_queue: ") + count_prefix(one, "validation_checks: ") > 0);
  CHECK(one == two);
  if (one != two)  // the first difference, readably
    for (size_t i = 0; i < std::min(one.size(), two.size()); ++i)
      if (one[i] != two[i]) {
        FAIL_CHECK("first difference at row " << i << ":\n  1 worker:  " << one[i] << "\n  2 workers: " << two[i]);
        break;
      }

  // Input order: the broken report is registered third, failed, with its reason.
  const Rows sources = sql_rows(t / "parallel.db", "SELECT name, status FROM governance_sources ORDER BY rowid");
  REQUIRE(sources.size() == 4);
  CHECK(contains(sources[2], "03_2024_Calgary_Monthly_Stats_Package.pdf|failed"));
  for (size_t i : {0, 1, 3}) CHECK(contains(sources[i], "|ingested"));
  CHECK(contains(parallel.err, "03_2024_Calgary_Monthly_Stats_Package.pdf"));

  // A second run over the same bytes extracts nothing new and changes no data.
  const auto again = run_into(t, t / "parallel.db", "2");
  CHECK(contains(again.out, "0 ingested, 3 unchanged, 1 failed"));
  const Rows after = dump_store(t / "parallel.db");
  CHECK(count_prefix(after, "housing_city_monthly: ") == count_prefix(one, "housing_city_monthly: "));
  CHECK(count_prefix(after, "governance_lineage_cells: ") == count_prefix(one, "governance_lineage_cells: "));
}

TEST_CASE("a bad ANALYTICA_EXTRACT_WORKERS is refused with one line naming it", "[parallel]") {
  TempDir t;
  fs::create_directories(t / "inbox");
  const auto r = run_into(t, t / "a.db", "zero");
  CHECK(r.status != 0);
  CHECK(contains(r.err, "ANALYTICA_EXTRACT_WORKERS=zero"));
}

TEST_CASE("governance indexes lineage records by source, on a new store and an existing one", "[parallel][lineage]") {
  TempDir t;
  synth_reports(t / "inbox", {"2024-03"}, {"--seed", "5"});
  const fs::path db = t / "store.db";
  REQUIRE(run_into(t, db, "1").status == 0);
  const std::string index = "governance_lineage_records_by_source";
  CHECK(sql_value(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '" + index + "'") == "1");
  // impact's lookup (read/impact.cpp) searches by the index, not the whole table.
  const Rows plan = sql_rows(db,
                             "EXPLAIN QUERY PLAN SELECT table_name, record_key, superseded_by FROM "
                             "governance_lineage_records WHERE source_sha256 = 'x' ORDER BY table_name, record_key");
  std::string text;
  for (const auto& r : plan) text += r + "\n";
  INFO(text);
  CHECK(contains(text, "USING INDEX " + index));

  // A store made before the index: the next run adds it.
  sql_exec(db, "DROP INDEX " + index);
  REQUIRE(run_into(t, db, "1").status == 0);
  CHECK(sql_value(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '" + index + "'") == "1");
}
