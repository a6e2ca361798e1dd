// analytica runs [--limit N] [--json] [--pipeline FILE]
//
// Recent runs, newest first: pipeline, outcome, times, sources ingested /
// unchanged / failed, records, and — from governance_quality — the
// confidence distribution and validation outcomes; with --json also the
// configuration hash, every plugin's name, version and file SHA-256, and
// the schema changes the run detected.
#include "cli/commands.h"
#include "cli/render.h"
#include "read/runs.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

json quality_json(const std::optional<RunQuality>& quality) {
  if (!quality) return nullptr;
  const RunQuality& q = *quality;
  json out = {{"records", q.records},
              {"cells", q.cells},
              {"null_cells", q.null_cells},
              {"scored_cells", q.scored_cells},
              {"confidence", {{"min", json_or_null(q.confidence_min)}, {"mean", json_or_null(q.confidence_mean)}, {"max", json_or_null(q.confidence_max)}}},
              {"confidence_buckets",
               {{"lt_0.50", q.conf_lt_50}, {"0.50_0.80", q.conf_50_80}, {"0.80_0.95", q.conf_80_95}, {"ge_0.95", q.conf_ge_95}}}};
  if (q.validated)
    out["validation"] = {{"approved", json_or_null(q.approved)},
                         {"auto_approved", json_or_null(q.auto_approved)},
                         {"pending", json_or_null(q.pending)},
                         {"rejected", json_or_null(q.rejected)}};
  else
    out["validation"] = "not validated";
  return out;
}

json schema_changes_json(const std::vector<SchemaChange>& changes) {
  json out = json::array();
  for (const auto& c : changes) {
    const json diff = json::parse(c.diff, nullptr, false);
    out.push_back({{"table", c.table},
                   {"kind", c.kind},
                   {"outcome", c.outcome},
                   {"from_version", json_or_null(c.from_version)},
                   {"to_version", json_or_null(c.to_version)},
                   {"diff", diff.is_discarded() ? json(c.diff) : diff}});
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
  Store store(ctx.settings, pipeline_option(*vm));
  if (!runs_recorded(store)) throw UserError(store.description() + ": no runs recorded yet");
  json runs = json::array();
  for (const auto& r : recent_runs(store, limit)) {
    const json plugins = json::parse(r.plugins, nullptr, false);
    json run = {{"run_id", r.run_id},
                {"pipeline", r.pipeline},
                {"status", r.status},
                {"started_at", r.started_at},
                {"ended_at", json_or_null(r.ended_at)},
                {"sources", {{"ingested", r.sources_ingested}, {"unchanged", r.sources_unchanged}, {"failed", r.sources_failed}}},
                {"records", r.records},
                {"message", json_or_null(r.message)},
                {"config_sha256", r.config_sha256},
                {"plugins", plugins.is_discarded() ? json::array() : plugins}};
    run["quality"] = quality_json(run_quality(store, r.run_id));
    run["schema_changes"] = schema_changes_json(run_schema_changes(store, r.run_id));
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
  const int64_t total = count_runs(store);
  if (static_cast<int64_t>(runs.size()) < total)
    std::cout << "showing " << runs.size() << " of " << total << " runs (newest first; --limit " << total
              << " shows all)\n";
  return 0;
}

const RegisterCommand kRegister("runs", "recent runs with their counts, outcome and quality", cmd_runs);

}  // namespace analytica
