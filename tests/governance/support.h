// Helpers for the governance tests: the real `analytica` executable with the
// governance test plugins, and the pipelines the tests run. Temporary
// directories, files and SQLite reads are tests/support/support.h's.
#ifndef ANALYTICA_TESTS_GOVERNANCE_SUPPORT_H
#define ANALYTICA_TESTS_GOVERNANCE_SUPPORT_H

#include "support/support.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace govtest {

// Runs `analytica --data-dir DIR <args>` with the test and project plugin
// directories, no log file and --log-level warn.
CliResult run_cli(const TempDir& dir, const std::vector<std::string>& args);

// run_cli, then the stdout parsed as JSON (throws with stderr if it is not).
nlohmann::json run_json(const TempDir& dir, const std::vector<std::string>& args);

// Writes DIR/<name>.json: a pipeline over DIR/inbox/*.<ext> with one
// extractor (and its settings), sink_sqlite on the data dir's database and
// optional governance settings. Returns its path.
std::string write_pipeline(const TempDir& dir, const std::string& name, const std::string& ext,
                           const std::string& extractor, const nlohmann::json& extractor_settings = nlohmann::json::object(),
                           const nlohmann::json& governance_settings = nlohmann::json::object(),
                           const std::string& table_prefix = "");

// The data dir's database file.
std::filesystem::path db(const TempDir& dir);

// The OpenLineage events file's whole lines, parsed (a torn last line, one
// without its newline, is skipped as readers of the file must).
std::vector<nlohmann::json> openlineage_events(const TempDir& dir);

}  // namespace govtest

#endif  // ANALYTICA_TESTS_GOVERNANCE_SUPPORT_H
