#include "support.h"

#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;
using nlohmann::json;

namespace govtest {

CliResult run_cli(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--log-level", "warn", "--data-dir", dir.path.string()};
  all.insert(all.end(), args.begin(), args.end());
  return run_analytica({GOV_TEST_PLUGIN_DIR, PLUGIN_DIR}, all);
}

json run_json(const TempDir& dir, const std::vector<std::string>& args) {
  const CliResult r = run_cli(dir, args);
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    throw std::runtime_error("not JSON (status " + std::to_string(r.status) + "): " + r.out + "\nstderr: " + r.err);
  }
}

std::string write_pipeline(const TempDir& dir, const std::string& name, const std::string& ext,
                           const std::string& extractor, const json& extractor_settings,
                           const json& governance_settings, const std::string& table_prefix) {
  json p = {{"name", name},
            {"sources", {{{"plugin", "source_directory"},
                          {"settings", {{"path", "${data_dir}/inbox"}, {"pattern", "*." + ext}}}}}},
            {"extractors", {{{"plugin", extractor}, {"settings", extractor_settings}}}},
            {"sinks", {{{"plugin", "sink_sqlite"}, {"settings", {{"path", "${database}"}}}}}}};
  if (!table_prefix.empty()) p["table_prefix"] = table_prefix;
  if (!governance_settings.empty()) p["governance"] = {{"settings", governance_settings}};
  const fs::path file = dir / (name + ".json");
  write_text(file, p.dump(2));
  return file.string();
}

fs::path db(const TempDir& dir) { return dir / "analytica.db"; }

std::vector<json> openlineage_events(const TempDir& dir) {
  std::vector<json> out;
  std::ifstream in(dir / "openlineage.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    // A last line without its newline is torn (a writer killed mid-line): skipped.
    if (in.eof()) break;
    out.push_back(json::parse(line));
  }
  return out;
}

}  // namespace govtest
