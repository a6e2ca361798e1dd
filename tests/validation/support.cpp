#include "support.h"

#include "creb_synth/creb_synth.h"

#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

void synth(const TempDir& dir, const std::string& month, const std::map<std::string, double>& overrides,
           unsigned seed) {
  creb_synth::Options o;
  o.report_month = month;
  o.seed = seed;
  o.overrides = overrides;
  creb_synth::write_report((dir / "inbox").string(), o);
}

CliResult run_pipeline(const TempDir& dir, const std::string& pipeline) {
  return run_cli({"--data-dir", dir.path.string(), "run", pipeline.empty() ? write_pipeline(dir, json::object()) : pipeline});
}

CliResult review(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--data-dir", dir.path.string(), "review"};
  all.insert(all.end(), args.begin(), args.end());
  return run_cli(all);
}

json json_of(const CliResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
  json j;
  REQUIRE_NOTHROW(j = json::parse(r.out));
  return j;
}

int64_t item_id(const TempDir& dir, const std::string& table, const std::string& record_key,
                const std::string& report_month) {
  std::string sql = "SELECT id FROM review_queue WHERE table_name = '" + table + "' AND record_key = '" + record_key + "'";
  if (!report_month.empty()) sql += " AND record_version = '" + report_month + "'";
  const Rows rows = sql_rows(db_of(dir), sql);
  return rows.size() == 1 ? std::stoll(rows[0]) : 0;
}

std::string district_key(const std::string& month, const std::string& type, const std::string& district) {
  return "month=" + month + "|property_type=" + type + "|district=" + district;
}

std::string city_key(const std::string& month, const std::string& type) {
  return "month=" + month + "|property_type=" + type;
}

std::string write_pipeline(const TempDir& dir, const json& patch) {
  json p = json::parse(read_text(std::string(SOURCE_DIR) + "/config/pipelines/creb.json"), nullptr, true, true);
  p["monitors"] = json::array();  // these tests watch the store, not the monitors
  p.merge_patch(patch);
  const fs::path file = dir / "pipeline.json";
  write_text(file, p.dump(2));
  return file.string();
}

std::string os_user() {
  const passwd* pw = getpwuid(geteuid());
  return pw && pw->pw_name ? pw->pw_name : "uid " + std::to_string(geteuid());
}
