// Issue 14, item 5: an isolated extractor is the same extractor. Real
// synthetic CREB reports ingested with config/pipelines/creb.json's extractor
// in the host's process and with "isolation": "process" give the same rows
// in every table the pipeline writes (its prefix), provenance included.
#include "support/support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>

namespace {

// creb.json with every extractor's isolation set to `mode`, written to file.
void write_pipeline(const std::filesystem::path& file, const std::string& mode) {
  std::ifstream in(std::string(SOURCE_DIR) + "/config/pipelines/creb.json");
  nlohmann::json p = nlohmann::json::parse(in, nullptr, true, true);
  for (auto& e : p["extractors"]) {
    e.erase("timeout_s");
    e.erase("memory_mb");
    e["isolation"] = mode;
  }
  write_text(file, p.dump(1));
}

// Every row of every table named prefix*, table by table, in a stable order.
std::vector<std::string> data_rows(const std::filesystem::path& db, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& table : sql_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '" +
                                            prefix + "%' ORDER BY name")) {
    out.push_back("== " + table);
    Rows rows = sql_rows(db, "SELECT * FROM \"" + table + "\"");
    std::sort(rows.begin(), rows.end());
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

}  // namespace

TEST_CASE("CREB reports ingested by an isolated extractor give the same rows as in-process",
          "[reliability][isolation]") {
  TempDir t;
  synth_reports(t / "reports", {"2024-05", "2024-06"}, {"--seed", "7"});
  std::map<std::string, std::vector<std::string>> rows;
  for (const std::string mode : {"none", "process"}) {
    const auto data = t / mode;
    std::filesystem::create_directories(data / "inbox");
    for (const auto& f : std::filesystem::directory_iterator(t / "reports"))
      if (f.path().extension() == ".pdf") std::filesystem::copy_file(f.path(), data / "inbox" / f.path().filename());
    write_pipeline(data / "creb.json", mode);
    const auto r = run_cli({"--data-dir", data.string(), "run", (data / "creb.json").string()});
    INFO(mode << ": " << r.err);
    REQUIRE(r.status == 0);
    rows[mode] = data_rows(data / "analytica.db", "housing_");
  }
  CHECK(rows["process"].size() > 20);
  CHECK(rows["process"] == rows["none"]);
}
