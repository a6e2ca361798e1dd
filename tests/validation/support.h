// Helpers of the validation tests: synthetic reports into an inbox, the CREB
// pipeline and the review command run through the real executable.
#ifndef ANALYTICA_TESTS_VALIDATION_SUPPORT_H
#define ANALYTICA_TESTS_VALIDATION_SUPPORT_H

#include "support/support.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

// Writes the synthetic report of `month` into DIR/inbox, with planted values
// (creb_synth::Options::overrides keys, e.g. "district_monthly/Detached/North/sales").
void synth(const TempDir& dir, const std::string& month, const std::map<std::string, double>& overrides = {},
           unsigned seed = 1);

// `analytica --data-dir DIR run <pipeline>` (default: config/pipelines/creb.json
// as write_pipeline() gives it).
CliResult run_pipeline(const TempDir& dir, const std::string& pipeline = "");

// `analytica --data-dir DIR review ARGS...`.
CliResult review(const TempDir& dir, const std::vector<std::string>& args);

// Parses stdout of a --json command (REQUIREs valid JSON).
nlohmann::json json_of(const CliResult& r);

// The review item id of a record of the given source report month (0 if none).
int64_t item_id(const TempDir& dir, const std::string& table, const std::string& record_key,
                const std::string& report_month = "");

std::string district_key(const std::string& month, const std::string& type, const std::string& district);
std::string city_key(const std::string& month, const std::string& type);

// Writes DIR/pipeline.json: config/pipelines/creb.json without monitors, with
// `patch` merged in (RFC 7386), e.g. another "review" block. Returns its path.
std::string write_pipeline(const TempDir& dir, const nlohmann::json& patch);

// Name of the OS user running the tests (the review command's "who").
std::string os_user();

inline std::filesystem::path db_of(const TempDir& dir) { return dir / "analytica.db"; }

#endif  // ANALYTICA_TESTS_VALIDATION_SUPPORT_H
