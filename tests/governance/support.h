// Helpers for the governance tests: temporary data directories, the real
// `analytica` executable, SQLite reads and the pipelines the tests run.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace govtest {

struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
  std::filesystem::path operator/(const std::string& p) const { return path / p; }
};

struct CliResult {
  int status = -1;
  std::string out, err;
};

// Runs `analytica --data-dir DIR <args>` with the test and project plugin
// directories and no log file.
CliResult run_cli(const TempDir& dir, const std::vector<std::string>& args);

// run_cli, then the stdout parsed as JSON (throws with stderr if it is not).
nlohmann::json run_json(const TempDir& dir, const std::vector<std::string>& args);

void write_text(const std::filesystem::path& file, const std::string& text);
std::string read_text(const std::filesystem::path& file);

// Rows of one query on a SQLite file as "a|b|c" strings (NULL as "NULL").
std::vector<std::string> sql_rows(const std::filesystem::path& db, const std::string& sql);
// Runs statements on a SQLite file (throws with the error).
void sql_exec(const std::filesystem::path& db, const std::string& sql);
// The single value of a one-row, one-column query.
std::string sql_value(const std::filesystem::path& db, const std::string& sql);

// Writes DIR/<name>.json: a pipeline over DIR/inbox/*.<ext> with one
// extractor (and its settings), sink_sqlite on the data dir's database and
// optional governance settings. Returns its path.
std::string write_pipeline(const TempDir& dir, const std::string& name, const std::string& ext,
                           const std::string& extractor, const nlohmann::json& extractor_settings = nlohmann::json::object(),
                           const nlohmann::json& governance_settings = nlohmann::json::object(),
                           const std::string& table_prefix = "");

// The data dir's database file.
std::filesystem::path db(const TempDir& dir);

// The OpenLineage events file's lines, parsed.
std::vector<nlohmann::json> openlineage_events(const TempDir& dir);

}  // namespace govtest
