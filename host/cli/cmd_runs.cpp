// analytica runs [--limit N] [--json] [--pipeline FILE]
//
// Recent runs, newest first: pipeline, outcome, times, sources ingested /
// unchanged / failed, records, and — from governance_quality — the
// confidence distribution and validation outcomes; with --json also the
// configuration hash, every plugin's name, version and file SHA-256, and
// the schema changes the run detected.
#include "cli/commands.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' '); }

json opt_text(const Cell& c) { return c.type == ANALYTICA_NULL ? json(nullptr) : json(c.text); }
json opt_int(const Cell& c) { return c.type == ANALYTICA_NULL ? json(nullptr) : json(c.i); }
json opt_real(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return static_cast<double>(c.i);
  return c.type == ANALYTICA_DOUBLE ? json(c.d) : json(nullptr);
}

json quality_of(Store& store, const std::string& run_id) {
  const auto rows = store.query(
      "SELECT records, cells, null_cells, scored_cells, confidence_min, confidence_mean, confidence_max, conf_lt_50, "
      "conf_50_80, conf_80_95, conf_ge_95, validated, approved, auto_approved, pending, rejected "
      "FROM governance_quality WHERE run_id = ? AND source_sha256 = ?",
      {Cell::of(run_id), Cell::of(std::string())});
  if (rows.empty()) return nullptr;
  const auto& r = rows[0];
  json q = {{"records", r[0].i},
            {"cells", r[1].i},
            {"null_cells", r[2].i},
            {"scored_cells", r[3].i},
            {"confidence", {{"min", opt_real(r[4])}, {"mean", opt_real(r[5])}, {"max", opt_real(r[6])}}},
            {"confidence_buckets", {{"lt_0.50", r[7].i}, {"0.50_0.80", r[8].i}, {"0.80_0.95", r[9].i}, {"ge_0.95", r[10].i}}}};
  if (r[11].i)
    q["validation"] = {{"approved", opt_int(r[12])},
                       {"auto_approved", opt_int(r[13])},
                       {"pending", opt_int(r[14])},
                       {"rejected", opt_int(r[15])}};
  else
    q["validation"] = "not validated";
  return q;
}

json schema_changes_of(Store& store, const std::string& run_id) {
  json out = json::array();
  for (const auto& r : store.query(
           "SELECT table_name, kind, outcome, from_version, to_version, diff FROM governance_schema_changes "
           "WHERE run_id = ? ORDER BY table_name",
           {Cell::of(run_id)})) {
    const json diff = json::parse(r[5].text, nullptr, false);
    out.push_back({{"table", r[0].text},
                   {"kind", r[1].text},
                   {"outcome", r[2].text},
                   {"from_version", opt_int(r[3])},
                   {"to_version", opt_int(r[4])},
                   {"diff", diff.is_discarded() ? json(r[5].text) : diff}});
  }
  return out;
}

}  // namespace

int cmd_runs(CommandContext& ctx) {
  po::options_description opts("runs options");
  opts.add_options()("limit", po::value<int64_t>()->default_value(20), "how many runs, newest first")("json",
                                                                                                     "print JSON");
  add_store_option(opts);
  auto vm = parse_command(ctx, "analytica runs [--limit N] [--json] [--pipeline FILE]", opts, {});
  if (!vm) return 0;
  const int64_t limit = (*vm)["limit"].as<int64_t>();
  if (limit < 1) throw UserError("--limit: expected a positive number, got " + std::to_string(limit));
  Store store(ctx.settings, vm->count("pipeline") ? (*vm)["pipeline"].as<std::string>() : "");
  if (!store.has_table("governance_runs")) throw UserError(store.description() + ": no runs recorded yet");
  const bool have_quality = store.has_table("governance_quality");
  const bool have_changes = store.has_table("governance_schema_changes");
  const auto rows = store.query(
      "SELECT run_id, pipeline, status, started_at, ended_at, sources_ingested, sources_skipped, sources_failed, "
      "records, config_sha256, plugins, message FROM governance_runs ORDER BY started_at DESC, run_id DESC LIMIT ?",
      {Cell::of(limit)});

  json runs = json::array();
  for (const auto& r : rows) {
    const json plugins = json::parse(r[10].text, nullptr, false);
    json run = {{"run_id", r[0].text},
                {"pipeline", r[1].text},
                {"status", r[2].text},
                {"started_at", r[3].text},
                {"ended_at", opt_text(r[4])},
                {"sources", {{"ingested", r[5].i}, {"unchanged", r[6].i}, {"failed", r[7].i}}},
                {"records", r[8].i},
                {"message", opt_text(r[11])},
                {"config_sha256", r[9].text},
                {"plugins", plugins.is_discarded() ? json::array() : plugins}};
    run["quality"] = have_quality ? quality_of(store, r[0].text) : json(nullptr);
    run["schema_changes"] = have_changes ? schema_changes_of(store, r[0].text) : json::array();
    runs.push_back(run);
  }

  if (vm->count("json")) {
    std::cout << json({{"runs", runs}}).dump(2) << "\n";
    return 0;
  }
  if (runs.empty()) {
    std::cout << "no runs recorded\n";
    return 0;
  }
  std::cout << pad("RUN", 38) << pad("PIPELINE", 14) << pad("STATUS", 11) << pad("STARTED", 25) << pad("IN/UNCH/FAIL", 14)
            << pad("RECORDS", 9) << "CONFIDENCE min/mean\n";
  for (const auto& run : runs) {
    const auto& s = run["sources"];
    std::string conf = "-";
    const auto& q = run["quality"];
    if (q.is_object() && !q["confidence"]["min"].is_null()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f/%.3f", q["confidence"]["min"].get<double>(), q["confidence"]["mean"].get<double>());
      conf = buf;
    }
    std::cout << pad(run["run_id"].get<std::string>(), 38) << pad(run["pipeline"].get<std::string>(), 14)
              << pad(run["status"].get<std::string>(), 11) << pad(run["started_at"].get<std::string>(), 25)
              << pad(s["ingested"].dump() + "/" + s["unchanged"].dump() + "/" + s["failed"].dump(), 14)
              << pad(run["records"].dump(), 9) << conf << "\n";
    if (run["message"].is_string()) std::cout << "    " << run["message"].get<std::string>() << "\n";
    for (const auto& c : run["schema_changes"])
      if (c["kind"] != "created")
        std::cout << "    schema " << c["kind"].get<std::string>() << " change of " << c["table"].get<std::string>()
                  << ": " << c["outcome"].get<std::string>() << "\n";
  }
  return 0;
}

const RegisterCommand kRegister("runs", "recent runs with their counts, outcome and quality", cmd_runs);

}  // namespace analytica
