// Helpers of the sources tests: pipelines written into a temporary data
// directory and `analytica run` on them, with the proxy variables cleared
// so 127.0.0.1 is reached directly.
#ifndef ANALYTICA_TESTS_SOURCES_SOURCES_SUPPORT_H
#define ANALYTICA_TESTS_SOURCES_SOURCES_SUPPORT_H

#include "support/support.h"

#include <nlohmann/json.hpp>

#include <string>

namespace srctest {

// A shipped pipeline (config/pipelines/<name>.json) as JSON.
nlohmann::json shipped_pipeline(const std::string& name);

// Writes the pipeline into dir/<name>.json and returns the path.
std::string write_pipeline(const TempDir& dir, const nlohmann::json& pipeline);

// `analytica --data-dir DIR run PIPELINE` with extra environment.
CliResult run(const TempDir& dir, const std::string& pipeline, const std::string& env = "");

// The data directory's database.
std::string db(const TempDir& dir);

// A pipeline: source_http with these settings -> extractor_json_records
// reading {"id": text key, "value": integer} into table "items".
nlohmann::json items_pipeline(const nlohmann::json& source_settings);
// Writes items_pipeline(source_settings) into dir and runs it once.
CliResult run_items(const TempDir& dir, const nlohmann::json& source_settings, const std::string& env = "");

}  // namespace srctest

#endif  // ANALYTICA_TESTS_SOURCES_SOURCES_SUPPORT_H
