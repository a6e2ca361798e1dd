// Whole chains run end to end through the real executable into a real
// SQLite file: directory source -> CSV extractor -> SQLite sink, governed.
#include "support/support.h"

#include "run/util.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const char* kPipeline = R"({
  "name": "csv-test",
  "sources": [{"plugin": "source_directory", "settings": {"path": "${data_dir}/inbox", "pattern": "*.csv"}}],
  "extractors": [{"plugin": "extractor_csv", "settings": {"key": ["id"]}}],
  "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}]
})";

CliResult run(const TempDir& t) {
  write_text(t / "p.json", kPipeline);
  return run_cli({"--data-dir", t.path.string(), "run", (t / "p.json").string()});
}

}  // namespace

TEST_CASE("a CSV chain runs end to end into SQLite with governance", "[pipeline]") {
  TempDir t;
  write_text(t / "inbox/prices.csv", "id,area,price\n1,North,500000\n2,South,612000.5\n3,,\n");
  write_text(t / "inbox/notes.txt", "ignored: pattern is *.csv");
  const auto r = run(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1 input(s), 1 ingested, 0 unchanged, 0 failed; 3 records written") != std::string::npos);
  const fs::path db = t / "analytica.db";
  CHECK(sql_rows(db, "SELECT id, area, price, typeof(price) FROM prices ORDER BY id") ==
        Rows{"1|North|500000.0|real", "2|South|612000.5|real", "3|NULL|NULL|null"});
  CHECK(sql_rows(db, "SELECT name, status, sha256, size FROM governance_sources") ==
        Rows{"prices.csv|ingested|" + analytica::sha256_file(t / "inbox/prices.csv") + "|" +
             std::to_string(fs::file_size(t / "inbox/prices.csv"))});
  CHECK(sql_rows(db, "SELECT pipeline, status, sources_ingested, records FROM governance_runs") ==
        Rows{"csv-test|succeeded|1|3"});
  CHECK(sql_rows(db, "SELECT count(*) FROM governance_lineage_records WHERE table_name = 'prices'") == Rows{"3"});
  CHECK(sql_rows(db, "SELECT count(*) FROM governance_lineage_cells WHERE table_name = 'prices'") == Rows{"9"});
}

TEST_CASE("identical bytes are skipped, changed bytes are a new version", "[pipeline]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n");
  REQUIRE(run(t).status == 0);
  auto again = run(t);
  CHECK(again.status == 0);
  CHECK(again.out.find("1 input(s), 0 ingested, 1 unchanged, 0 failed; 0 records written") != std::string::npos);
  CHECK(sql_rows(t / "analytica.db", "SELECT count(*) FROM governance_runs") == Rows{"2"});

  write_text(t / "inbox/a.csv", "id,v\n1,11\n2,20\n");
  const auto changed = run(t);
  CHECK(changed.out.find("1 ingested") != std::string::npos);
  CHECK(sql_rows(t / "analytica.db", "SELECT id, v FROM a ORDER BY id") == Rows{"1|11", "2|20"});
  CHECK(sql_rows(t / "analytica.db", "SELECT version, status FROM governance_sources ORDER BY version") ==
        Rows{"1|superseded", "2|ingested"});
}

TEST_CASE("one source file is one transaction: a bad file writes nothing, others still land", "[pipeline]") {
  TempDir t;
  write_text(t / "inbox/a_good.csv", "id,v\n1,10\n");
  write_text(t / "inbox/b_bad.csv", "id,v\n1,10\n2,20,oops\n");
  write_text(t / "inbox/c_good.csv", "id,w\n5,50\n");
  const auto r = run(t);
  CHECK(r.status == 1);
  CHECK(r.err.find("b_bad.csv: extractor_csv: extract: " + (t / "inbox/b_bad.csv").string() +
                   ": line 3: expected 2 fields, got 3") != std::string::npos);
  const fs::path db = t / "analytica.db";
  CHECK(sql_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b_bad'") == Rows{"0"});
  CHECK(sql_rows(db, "SELECT id FROM c_good") == Rows{"5"});
  CHECK(sql_rows(db, "SELECT name, status FROM governance_sources ORDER BY name") ==
        Rows{"a_good.csv|ingested", "b_bad.csv|failed", "c_good.csv|ingested"});
  CHECK(sql_rows(db, "SELECT count(*) FROM governance_lineage_records WHERE table_name = 'b_bad'") == Rows{"0"});
  CHECK(sql_rows(db, "SELECT status, sources_failed FROM governance_runs") == Rows{"failed|1"});
}

TEST_CASE("the run refuses to start without the governance plugin", "[pipeline][governance]") {
  TempDir t;
  fs::create_directories(t / "inbox");
  fs::create_directories(t / "plugins");
  // A plugin directory holding everything but governance, used alone.
  for (const char* p : {"source_directory", "extractor_csv", "sink_sqlite"})
    fs::copy_file(fs::path(PLUGIN_DIR) / ("lib" + std::string(p) + ".so"), t / "plugins" / ("lib" + std::string(p) + ".so"));
  write_text(t / "analytica.json", R"({"plugin_dirs": [")" + (t / "plugins").string() + R"("]})");
  write_text(t / "p.json", kPipeline);
  // No --plugin-dir: the configuration's directory is the only one.
  const CliResult r = run_shell(shell_command({ANALYTICA_EXE, "--config", (t / "analytica.json").string(), "--data-dir",
                                               t.path.string(), "--log-file", "", "run", (t / "p.json").string()}));
  CHECK(r.status == 2);
  CHECK(r.err.find("governance core plugin is required and could not be loaded") != std::string::npos);
  CHECK_FALSE(fs::exists(t / "analytica.db"));
}

TEST_CASE("the log file holds one JSON object per line with run id and plugin", "[pipeline][logging]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n");
  write_text(t / "p.json", kPipeline);
  const auto r = run_cli({"--data-dir", t.path.string(), "--log-file", (t / "log.jsonl").string(), "--log-format",
                          "json", "run", (t / "p.json").string()});
  REQUIRE(r.status == 0);
  std::ifstream in(t / "log.jsonl");
  size_t lines = 0;
  bool saw_plugin = false;
  for (std::string line; std::getline(in, line); ++lines) {
    const auto j = nlohmann::json::parse(line);  // throws if not JSON
    for (const char* k : {"ts", "level", "run_id", "plugin", "msg"}) CHECK(j.contains(k));
    CHECK(j["run_id"].get<std::string>().size() == 36);
    saw_plugin = saw_plugin || j["plugin"] == "extractor_csv";
  }
  CHECK(lines >= 3);
  CHECK(saw_plugin);
  // --log-format json makes the terminal lines JSON too.
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);) CHECK_NOTHROW(nlohmann::json::parse(line));
}
