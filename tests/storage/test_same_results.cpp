// test_same_results.cpp — the same CREB pipeline run into SQLite and into
// PostgreSQL (configuration differs only in the first sink) leaves identical
// rows, compared row by row and cell by cell with their types: the data
// tables, their _revisions tables and every governance table (sources,
// runs, lineage of records and cells, ...), ignoring only the columns that
// legitimately differ between two runs (run ids, timestamps, the plugin list
// and configuration hash, which name the sink).
#include "support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using namespace storage_test;

namespace {

// What differs between two runs by nature: ids, times, and the process that ran.
bool ignored_column(const std::string& name) {
  static const std::set<std::string> names = {"run_id",  "first_seen", "last_seen",    "plugins",
                                              "config_sha256", "pid", "process_start"};
  return names.count(name) || (name.size() > 3 && name.compare(name.size() - 3, 3, "_at") == 0);
}

std::vector<std::string> sqlite_tables(Sink& s) {
  return s.text_rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                     "ESCAPE '\\' ORDER BY name");
}

std::vector<std::string> postgres_tables(Sink& s) {
  return s.text_rows("SELECT table_name::text FROM information_schema.tables WHERE table_schema = "
                     "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name::text COLLATE \"C\"");
}

std::vector<std::string> sqlite_columns(Sink& s, const std::string& table) {
  return s.text_rows("SELECT name FROM pragma_table_info(?) ORDER BY cid", {T(table)});
}

std::vector<std::string> postgres_columns(Sink& s, const std::string& table) {
  return s.text_rows("SELECT column_name::text FROM information_schema.columns WHERE table_schema = "
                     "current_schema() AND table_name = ? ORDER BY ordinal_position",
                     {T(table)});
}

// Compares every table of both stores; returns how many rows were compared.
size_t compare_stores(Sink& sqlite, Sink& pg) {
  const auto tables = sqlite_tables(sqlite);
  REQUIRE(tables == postgres_tables(pg));
  size_t compared = 0;
  for (const auto& table : tables) {
    const auto columns = sqlite_columns(sqlite, table);
    INFO("table " << table);
    REQUIRE(columns == postgres_columns(pg, table));
    std::string list, order;
    for (const auto& c : columns) {
      if (ignored_column(c)) continue;
      const std::string q = "\"" + c + "\"";
      list += (list.empty() ? "" : ", ") + q;
      order += (order.empty() ? "" : ", ") + q + " IS NULL, " + q;
    }
    const std::string sql = "SELECT " + list + " FROM \"" + table + "\" ORDER BY " + order;
    const auto a = sqlite.rows(sql), b = pg.rows(sql);
    INFO(sql);
    REQUIRE(a.size() == b.size());
    for (size_t r = 0; r < a.size(); ++r) {
      REQUIRE(a[r].size() == b[r].size());
      for (size_t c = 0; c < a[r].size(); ++c) {
        INFO("row " << r << ", column " << c << " of (" << list << ")");
        CHECK(a[r][c].type == b[r][c].type);
        CHECK(show(a[r][c]) == show(b[r][c]));
      }
    }
    compared += a.size();
  }
  return compared;
}

std::string sqlite_sinks(const fs::path& db) {
  return "[{\"plugin\": \"sink_sqlite\", \"settings\": {\"path\": " + json_string(db.string()) + "}}]";
}

std::string postgres_sinks(const PgSchema& schema) {
  return "[{\"plugin\": \"sink_postgres\", \"settings\": " + schema.settings() + "}]";
}

// "3 ingested, 0 unchanged, 0 failed" from a run's summary line.
void check_summary(const CliResult& r, int ingested, int unchanged) {
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, std::to_string(ingested) + " ingested, " + std::to_string(unchanged) + " unchanged, 0 failed"));
}

// Runs one pipeline (as JSON, its sinks replaced) into SQLite and into a
// PostgreSQL schema: three reports, then a corrected reissue of the last one
// (same file name, new bytes: a new version superseding the old, its figures
// winning by NEWEST), then once more (nothing new). Then compares the stores.
void run_both_and_compare(nlohmann::json pipeline, const PgServer& server) {
  PgSchema schema(server);
  TempDir dir;
  const fs::path inbox = dir / "inbox";
  synth_reports(inbox, {"2024-01", "2024-02", "2024-03"});
  pipeline["sources"] = nlohmann::json::parse(
      "[{\"plugin\": \"source_directory\", \"settings\": {\"path\": " + json_string(inbox.string()) +
      ", \"pattern\": \"*.pdf\"}}]");
  pipeline["sinks"] = nlohmann::json::parse(sqlite_sinks(dir / "store.db"));
  write_text(dir / "sqlite.json", pipeline.dump(2));
  pipeline["sinks"] = nlohmann::json::parse(postgres_sinks(schema));
  write_text(dir / "postgres.json", pipeline.dump(2));
  const std::string data = "--data-dir=" + (dir / "data").string();

  for (const char* file : {"sqlite.json", "postgres.json"}) {
    INFO(file);
    check_summary(run_cli({data, "run", (dir / file).string()}), 3, 0);
  }
  synth_reports(inbox, {"2024-03"}, {"--set", "city_monthly/Detached/2024-02/days_on_market=99"});
  for (const char* file : {"sqlite.json", "postgres.json"}) {
    INFO(file);
    check_summary(run_cli({data, "run", (dir / file).string()}), 1, 2);
    check_summary(run_cli({data, "run", (dir / file).string()}), 0, 3);
  }

  Sink sqlite(SINK_SQLITE_MODULE, "{\"path\": " + json_string((dir / "store.db").string()) + "}");
  Sink pg(SINK_POSTGRES_MODULE, schema.settings());
  REQUIRE(sqlite.ok());
  REQUIRE(pg.ok());
  const auto tables = sqlite_tables(sqlite);
  for (const char* needed : {"housing_city_monthly", "housing_city_monthly_revisions", "housing_district_monthly",
                             "housing_district_monthly_revisions", "housing_document", "governance_sources",
                             "governance_runs", "governance_lineage_records", "governance_lineage_cells"})
    CHECK(std::find(tables.begin(), tables.end(), needed) != tables.end());
  const size_t rows = compare_stores(sqlite, pg);
  CHECK(rows > 4000);

  // The planted correction is what both stores answer now.
  const std::string question =
      "SELECT days_on_market, report_month FROM housing_city_monthly WHERE month = ? AND property_type = ?";
  CHECK(sqlite.text_rows(question, {T("2024-02"), T("Detached")}) == std::vector<std::string>{"99|2024-03"});
  CHECK(pg.text_rows(question, {T("2024-02"), T("Detached")}) == std::vector<std::string>{"99|2024-03"});
  CHECK(pg.text_rows("SELECT status, count(*) FROM governance_sources GROUP BY status ORDER BY status") ==
        std::vector<std::string>{"ingested|3", "superseded|1"});

  // db check reports the same tables, row counts and schema versions on both backends.
  const CliResult a = run_cli({data, "db", "check", "--json", "--pipeline", (dir / "sqlite.json").string()});
  const CliResult b = run_cli({data, "db", "check", "--json", "--pipeline", (dir / "postgres.json").string()});
  INFO(a.out << a.err << b.out << b.err);
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  CHECK(ja["backend"] == "sqlite");
  CHECK(jb["backend"] == "postgres");
  CHECK(ja["tables"] == jb["tables"]);
  CHECK(ja["schema"]["tables"] == jb["schema"]["tables"]);
}

}  // namespace

TEST_CASE("storage: one pipeline into SQLite and into PostgreSQL leaves identical rows, lineage included",
          "[postgres]") {
  REQUIRE_POSTGRES(server);
  run_both_and_compare(nlohmann::json::parse(creb_pipeline("inbox", "[]")), server);
}

TEST_CASE("storage: the project's CREB pipeline (validators, review) leaves identical rows on both backends",
          "[postgres]") {
  REQUIRE_POSTGRES(server);
  auto pipeline = nlohmann::json::parse(read_text(fs::path(SOURCE_DIR) / "config" / "pipelines" / "creb.json"),
                                              nullptr, true, /*ignore_comments=*/true);
  pipeline["monitors"] = nlohmann::json::array();  // they watch runs; they store nothing
  run_both_and_compare(pipeline, server);
}
