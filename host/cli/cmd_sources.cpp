// analytica sources [--json] [--check] [--pipeline FILE]
//
// The source registry — every distinct file content ingested (or tried),
// its version under its name, status, first and last seen — with its
// integrity now: each file is hashed again on disk and reported "ok",
// "changed" (other bytes than were ingested) or "missing". Superseded
// versions are expected to differ on disk and failed ones left no records:
// neither is checked.
//
// What each input's source last found (governance_fetches): the newest
// version of each URI carries when it was last checked and the publisher's
// version (ETag, else Last-Modified); inputs fetched over the network show
// them on a line of their own. An input whose source could not hand it over
// (a fetch failing after its retries, an unusable directory entry) has no
// version: it is listed as failed, with its error and since when it fails.
#include "cli/commands.h"
#include "cli/render.h"
#include "read/sources.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

int cmd_sources_ignore(CommandContext& ctx);  // cmd_sources_ignore.cpp

int cmd_sources(CommandContext& ctx) {
  if (!ctx.args.empty() && (ctx.args[0] == "ignore" || ctx.args[0] == "unignore")) return cmd_sources_ignore(ctx);
  po::options_description opts("sources options");
  opts.add_options()("json", "print JSON")("check", "exit with status 1 if a source changed or went missing");
  add_store_option(opts);
  auto vm = parse_command(ctx, "analytica sources [--json] [--check] [--pipeline FILE]", opts, {});
  if (!vm) return 0;
  Store store(ctx.settings, pipeline_option(*vm));
  if (!sources_registered(store))
    throw UserError(store.description() + ": no source registry yet (run a pipeline first)");
  const auto sources = list_sources(store);
  std::map<std::string, int64_t> version_of;  // sha256 -> version, to name what a changed file now holds
  for (const auto& s : sources) version_of[s.sha256] = s.version;

  std::map<std::string, FetchRecord> fetch_of;  // uri -> what its source last found
  for (auto& f : list_fetches(store)) fetch_of.emplace(f.uri, std::move(f));
  std::map<std::string, int64_t> newest_of;     // uri -> its newest version
  for (const auto& s : sources) newest_of[s.uri] = std::max(newest_of[s.uri], s.version);
  auto add_fetch = [](json& row, const FetchRecord* f) {
    row["etag"] = f ? json_or_null(f->etag) : json(nullptr);
    row["last_checked"] = f ? json(f->last_checked) : json(nullptr);
    row["failing_since"] = f ? json_or_null(f->failing_since) : json(nullptr);
    row["fetch_error"] = f ? json_or_null(f->last_error) : json(nullptr);
  };

  json out = json::array();
  std::map<std::string, uint64_t> counts;
  for (const auto& s : sources) {
    // Only versions whose records are in the store are checked: superseded
    // ones are expected to differ on disk, failed ones left nothing.
    const SourceIntegrity integrity = source_integrity(s);
    ++counts[integrity.state];
    json row = {{"name", s.name},
                {"path", s.location().string()},
                {"uri", s.uri},
                {"sha256", s.sha256},
                {"size", s.size},
                {"version", s.version},
                {"status", s.status},
                {"integrity", integrity.state},
                {"first_seen", s.first_seen},
                {"last_seen", s.last_seen},
                {"run_id", json_or_null(s.run_id)},
                {"supersedes", json_or_null(s.supersedes)},
                {"superseded_by", json_or_null(s.superseded_by)},
                {"message", json_or_null(s.message)}};
    if (integrity.state == "changed") {
      row["sha256_now"] = integrity.sha256_now;
      row["now_matches_version"] = version_of.count(integrity.sha256_now) ? json(version_of[integrity.sha256_now]) : json(nullptr);
    }
    const auto f = fetch_of.find(s.uri);
    add_fetch(row, f != fetch_of.end() && newest_of[s.uri] == s.version ? &f->second : nullptr);
    out.push_back(row);
  }
  // Inputs that failed before any version of them was registered.
  for (const auto& [uri, f] : fetch_of) {
    if (newest_of.count(uri) || !f.failing_since) continue;
    ++counts["not checked"];
    json row = {{"name", f.name},       {"path", nullptr},        {"uri", uri},
                {"sha256", nullptr},    {"size", nullptr},        {"version", nullptr},
                {"status", "failed"},   {"integrity", "not checked"}, {"first_seen", nullptr},
                {"last_seen", f.last_checked}, {"run_id", json_or_null(f.run_id)}, {"supersedes", nullptr},
                {"superseded_by", nullptr}, {"message", json_or_null(f.last_error)}};
    add_fetch(row, &f);
    out.push_back(row);
  }
  const uint64_t tampered = counts["changed"] + counts["missing"] + counts["unreadable"];

  if (vm->count("json")) {
    std::cout << json({{"store", store.description()},
                       {"sources", out},
                       {"summary",
                        {{"versions", out.size()},
                         {"ok", counts["ok"]},
                         {"changed", counts["changed"]},
                         {"missing", counts["missing"]},
                         {"unreadable", counts["unreadable"]},
                         {"superseded", counts["superseded"]},
                         {"not_checked", counts["not checked"]}}}})
                     .dump(2)
              << "\n";
  } else {
    std::cout << pad("NAME", 44) << pad("VER", 4) << pad("STATUS", 11) << pad("INTEGRITY", 11) << pad("SIZE", 10)
              << pad("SHA256", 14) << pad("LAST SEEN", 25) << "PATH\n";
    auto text_or = [](const json& v, const std::string& none) { return v.is_string() ? v.get<std::string>() : none; };
    for (const auto& s : out) {
      std::string integrity = s["integrity"].get<std::string>();
      const std::string uri = s["uri"].get<std::string>();
      std::cout << pad(s["name"].get<std::string>(), 44) << pad(s["version"].is_null() ? "-" : s["version"].dump(), 4)
                << pad(s["status"].get<std::string>(), 11) << pad(integrity, 11)
                << pad(s["size"].is_null() ? "-" : s["size"].dump(), 10)
                << pad(s["sha256"].is_null() ? "-" : s["sha256"].get<std::string>().substr(0, 12), 14)
                << pad(s["last_seen"].get<std::string>(), 25) << text_or(s["path"], uri) << "\n";
      if (integrity == "changed")
        std::cout << "    changed on disk since ingest: now " << s["sha256_now"].get<std::string>().substr(0, 12)
                  << (s["now_matches_version"].is_null() ? " (not ingested)"
                                                         : " (= version " + s["now_matches_version"].dump() + ")")
                  << "\n";
      if (s["status"] == "failed" && s["message"].is_string())
        std::cout << "    failed: " << s["message"].get<std::string>()
                  << (s["failing_since"].is_string() ? " (failing since " + s["failing_since"].get<std::string>() + ")"
                                                     : "")
                  << "\n";
      else if (s["failing_since"].is_string())  // an earlier version is in; the source fails to get it now
        std::cout << "    failing since " << s["failing_since"].get<std::string>() << ": "
                  << text_or(s["fetch_error"], "failed") << "\n";
      // Inputs from the network: where, which version, when last asked.
      if (s["last_checked"].is_string() && uri.rfind("file://", 0) != 0)
        std::cout << "    url " << uri << "  etag " << text_or(s["etag"], "-") << "  last checked "
                  << s["last_checked"].get<std::string>() << "\n";
    }
    std::cout << out.size() << " source version(s): " << counts["ok"] << " ok, " << counts["changed"] << " changed, "
              << counts["missing"] << " missing, " << counts["superseded"] << " superseded"
              << (counts["not checked"] ? ", " + std::to_string(counts["not checked"]) + " failed (not checked)" : "")
              << (counts["unreadable"] ? ", " + std::to_string(counts["unreadable"]) + " unreadable" : "") << "\n";
  }
  if (tampered && vm->count("check")) {
    std::cerr << "analytica: " << tampered << " source file(s) changed or missing since ingest\n";
    return 1;
  }
  return 0;
}

const RegisterCommand kRegister("sources", "the source registry, each file re-hashed on disk (integrity)", cmd_sources);

}  // namespace analytica
