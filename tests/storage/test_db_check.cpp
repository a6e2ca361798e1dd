// test_db_check.cpp — `analytica db check [--json] [--pipeline FILE]` on
// SQLite (the sink's integrity check, a damaged file, schema versions) and
// PostgreSQL (a server that cannot be reached), through the real executable;
// every answer comes from the sink's analytica.sink.admin/1.
#include "support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace storage_test;
using nlohmann::json;

namespace {

std::string sqlite_settings(const fs::path& db) { return "{\"path\": " + json_string(db.string()) + "}"; }

int64_t rows_of(const json& report, const std::string& table) {
  for (const auto& t : report["tables"])
    if (t["name"] == table) return t["rows"].is_null() ? -1 : t["rows"].get<int64_t>();
  return -2;
}

}  // namespace

TEST_CASE("db check: a sound SQLite store passes with its row counts", "[db_check]") {
  TempDir dir;
  synth_reports(dir / "inbox", {"2024-01", "2024-02"});
  const std::string data = "--data-dir=" + (dir / "data").string();
  // Into the default database of the data directory, which db check reads without --pipeline.
  write_text(dir / "p.json", creb_pipeline(dir / "inbox", "[{\"plugin\": \"sink_sqlite\", \"settings\": "
                                                          "{\"path\": \"${database}\"}}]"));
  REQUIRE(run_cli({data, "run", (dir / "p.json").string()}).status == 0);

  const CliResult text = run_cli({data, "db", "check"});
  INFO(text.out << text.err);
  REQUIRE(text.status == 0);
  CHECK(contains(text.out, "analytica db check: ok"));
  CHECK(contains(text.out, "integrity  ok (the sink's thorough check)"));
  CHECK(contains(text.out, "housing_city_monthly"));

  const CliResult r = run_cli({data, "db", "check", "--json"});
  REQUIRE(r.status == 0);
  const json report = json::parse(r.out);
  CHECK(report["ok"] == true);
  CHECK(report["backend"] == "sqlite");
  CHECK(report["integrity"]["ok"] == true);
  CHECK(report["problems"].empty());
  Sink sink(SINK_SQLITE_MODULE, sqlite_settings(dir / "data" / "analytica.db"));
  REQUIRE(sink.ok());
  for (const char* table : {"housing_city_monthly", "housing_district_monthly_revisions", "governance_lineage_cells"})
    CHECK(std::to_string(rows_of(report, table)) == sink.text_rows(std::string("SELECT count(*) FROM ") + table)[0]);
  // Governance may record schema versions; when it does, db check reports them.
  const bool versioned = rows_of(report, "governance_schemas") >= 0;
  CHECK(report["schema"]["present"] == versioned);
  if (versioned) CHECK(report["schema"]["version"].get<int64_t>() >= 1);
}

TEST_CASE("db check: schema versions come from governance_schemas, its absence is said", "[db_check]") {
  TempDir dir;
  const fs::path db = dir / "s.db";
  {
    Sink sink(SINK_SQLITE_MODULE, sqlite_settings(db));
    REQUIRE(sink.ok());
    const Schema other("notes", {{"k", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}});
    REQUIRE(sink.declare(other) == ANALYTICA_OK);
  }
  const CliResult before = run_cli({"--database", db.string(), "db", "check", "--json"});
  INFO(before.out << before.err);
  REQUIRE(before.status == 0);
  CHECK(json::parse(before.out)["schema"]["present"] == false);
  CHECK(contains(json::parse(before.out)["schema"]["note"].get<std::string>(), "no governance_schemas"));
  {
    Sink sink(SINK_SQLITE_MODULE, sqlite_settings(db));
    REQUIRE(sink.ok());
    const Schema versions("governance_schemas", {{"table_name", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                                 {"version", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY},
                                                 {"columns", ANALYTICA_TEXT, 0}});
    REQUIRE(sink.begin() == ANALYTICA_OK);
    REQUIRE(sink.write(make_batch(versions, {{T("housing_a"), I(1), T("[]")}, {T("housing_a"), I(3), T("[]")},
                                             {T("housing_b"), I(2), T("[]")}})) == ANALYTICA_OK);
    REQUIRE(sink.commit() == ANALYTICA_OK);
  }
  const CliResult after = run_cli({"--database", db.string(), "db", "check", "--json"});
  INFO(after.out << after.err);
  REQUIRE(after.status == 0);
  const json schema = json::parse(after.out)["schema"];
  CHECK(schema["present"] == true);
  CHECK(schema["version"] == 3);
  CHECK(schema["tables"] == json::parse(R"([{"table":"housing_a","version":3},{"table":"housing_b","version":2}])"));
}

TEST_CASE("db check: a damaged SQLite file fails the check", "[db_check]") {
  TempDir dir;
  const fs::path db = dir / "d.db";
  {
    Sink sink(SINK_SQLITE_MODULE, sqlite_settings(db) + "");
    REQUIRE(sink.ok());
    const Schema s("numbers", {{"k", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}, {"v", ANALYTICA_TEXT, 0}});
    std::vector<Row> rows;
    for (int i = 0; i < 3000; ++i) rows.push_back({I(i), T(std::string(50, 'x') + std::to_string(i))});
    REQUIRE(sink.begin() == ANALYTICA_OK);
    REQUIRE(sink.write(make_batch(s, rows)) == ANALYTICA_OK);
    REQUIRE(sink.commit() == ANALYTICA_OK);
  }
  REQUIRE(run_cli({"--database", db.string(), "db", "check"}).status == 0);
  {
    // Scribble over the middle of the file: b-tree pages of the table.
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(db) / 2));
    const std::string junk(3000, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const CliResult r = run_cli({"--database", db.string(), "db", "check", "--json"});
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  const json report = json::parse(r.out);
  CHECK(report["ok"] == false);
  CHECK_FALSE(report["problems"].empty());
}

TEST_CASE("db check: usage errors and a missing database exit 2", "[db_check]") {
  TempDir dir;
  const CliResult missing = run_cli({"--database", (dir / "none.db").string(), "db", "check"});
  CHECK(missing.status == 2);
  CHECK(contains(missing.err, "no database yet"));
  const CliResult unknown = run_cli({"--database", (dir / "none.db").string(), "db", "vacuum"});
  CHECK(unknown.status == 2);
  CHECK(contains(unknown.err, "unknown action \"vacuum\""));
  const CliResult help = run_cli({"db", "--help"});
  CHECK(help.status == 0);
  CHECK(contains(help.out, "analytica db check [--json] [--pipeline FILE]"));
}

TEST_CASE("db check: a PostgreSQL store that cannot be reached fails the check without its password",
          "[db_check]") {
  TempDir dir;
  write_text(dir / "p.json",
             creb_pipeline(dir / "inbox", "[{\"plugin\": \"sink_postgres\", \"settings\": {\"host\": \"127.0.0.1\", "
                                          "\"port\": 1, \"dbname\": \"x\", \"user\": \"u\", \"password\": "
                                          "\"Hidden-Pw-77\", \"connect_timeout_s\": 2}}]"));
  const CliResult r = run_cli({"db", "check", "--json", "--pipeline", (dir / "p.json").string()});
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  const json report = json::parse(r.out);
  CHECK(report["ok"] == false);
  CHECK(contains(report["problems"][0].get<std::string>(), "cannot connect"));
  CHECK_FALSE(contains(r.out + r.err, "Hidden-Pw-77"));
}

TEST_CASE("db check: a PostgreSQL store passes the catalog check", "[postgres]") {
  REQUIRE_POSTGRES(server);
  PgSchema schema(server);
  TempDir dir;
  {
    Sink sink(SINK_POSTGRES_MODULE, schema.settings());
    REQUIRE(sink.ok());
    REQUIRE(sink.begin() == ANALYTICA_OK);
    REQUIRE(sink.write(make_batch(Schema("numbers", {{"k", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}}),
                                  {{I(1)}, {I(2)}})) == ANALYTICA_OK);
    REQUIRE(sink.commit() == ANALYTICA_OK);
  }
  write_text(dir / "p.json",
             creb_pipeline(dir / "inbox", "[{\"plugin\": \"sink_postgres\", \"settings\": " + schema.settings() + "}]"));
  const CliResult r = run_cli({"db", "check", "--json", "--pipeline", (dir / "p.json").string()});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const json report = json::parse(r.out);
  CHECK(report["backend"] == "postgres");
  CHECK(report["integrity"]["ok"] == true);
  CHECK(rows_of(report, "numbers") == 2);
  CHECK(report["schema"]["present"] == false);
  // An index left invalid (as a failed CREATE INDEX CONCURRENTLY leaves it) fails the check.
  schema.exec("CREATE UNIQUE INDEX numbers_k_twice ON numbers (k); "
              "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'numbers_k_twice'::regclass");
  const CliResult bad = run_cli({"db", "check", "--json", "--pipeline", (dir / "p.json").string()});
  INFO(bad.out << bad.err);
  CHECK(bad.status == 1);
  CHECK(contains(bad.out, "numbers_k_twice"));
  CHECK(contains(bad.out, "is invalid"));
}
