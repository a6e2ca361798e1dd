// Issue 14, item 5: an isolated plugin is the same plugin. Real synthetic
// CREB reports ingested with config/pipelines/creb.json's plugins in the
// host's process, with its extractor isolated ("isolation": "process") and
// with its validators isolated too give the same rows in every table the
// pipeline writes (its prefix) and the same validation outcome per report.
#include "support/support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>

namespace {

// creb.json with the isolation of its extractors and of its validators set.
void write_pipeline(const std::filesystem::path& file, const std::string& extractors, const std::string& validators) {
  std::ifstream in(std::string(SOURCE_DIR) + "/config/pipelines/creb.json");
  nlohmann::json p = nlohmann::json::parse(in, nullptr, true, true);
  for (const auto& [key, mode] : {std::pair{"extractors", extractors}, std::pair{"validators", validators}})
    for (auto& e : p[key]) {
      e.erase("timeout_s");
      e.erase("memory_mb");
      e["isolation"] = mode;
    }
  write_text(file, p.dump(1));
}

// The "<report>: validated checks=... auto_approved=..." lines of a run's log.
std::vector<std::string> validated_lines(const std::string& err) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = err.find(": validated ", at)) != std::string::npos) {
    const size_t start = err.rfind('\n', at) + 1, end = err.find('\n', at);
    out.push_back(err.substr(start, end - start));
    at = end;
  }
  return out;
}

// Every row of every table named prefix*, table by table, in a stable order.
std::vector<std::string> data_rows(const std::filesystem::path& db, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& table : sql_rows(
           db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '" + prefix + "%' ORDER BY name")) {
    out.push_back("== " + table);
    Rows rows = sql_rows(db, "SELECT * FROM \"" + table + "\"");
    std::sort(rows.begin(), rows.end());
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

}  // namespace

TEST_CASE("CREB reports ingested by isolated plugins give the same rows and checks as in-process",
          "[reliability][isolation]") {
  TempDir t;
  synth_reports(t / "reports", {"2024-05", "2024-06"}, {"--seed", "7"});
  std::map<std::string, std::vector<std::string>> rows, validated;
  const std::map<std::string, std::pair<std::string, std::string>> modes = {
      {"in-process", {"none", "none"}}, {"extractor", {"process", "none"}}, {"all", {"process", "process"}}};
  for (const auto& [mode, isolation] : modes) {
    const auto data = t / mode;
    std::filesystem::create_directories(data / "inbox");
    for (const auto& f : std::filesystem::directory_iterator(t / "reports"))
      if (f.path().extension() == ".pdf") std::filesystem::copy_file(f.path(), data / "inbox" / f.path().filename());
    write_pipeline(data / "creb.json", isolation.first, isolation.second);
    const auto r = run_cli({"--data-dir", data.string(), "run", (data / "creb.json").string()});
    INFO(mode << ": " << r.err);
    REQUIRE(r.status == 0);
    rows[mode] = data_rows(data / "analytica.db", "housing_");
    validated[mode] = validated_lines(r.err);
  }
  CHECK(rows["in-process"].size() > 20);
  CHECK(rows["extractor"] == rows["in-process"]);
  CHECK(rows["all"] == rows["in-process"]);
  CHECK(validated["in-process"].size() == 2);
  CHECK(validated["extractor"] == validated["in-process"]);
  CHECK(validated["all"] == validated["in-process"]);
}
