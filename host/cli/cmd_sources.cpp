// analytica sources [--json] [--check] [--pipeline FILE]
//
// The source registry — every distinct file content ingested (or tried),
// its version under its name, status, first and last seen — with its
// integrity now: each file is hashed again on disk and reported "ok",
// "changed" (other bytes than were ingested) or "missing". Superseded
// versions are expected to differ on disk and failed ones left no records:
// neither is checked.
#include "cli/commands.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>

namespace analytica {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' '); }

// Where the file is now: the path of a file:// URI, else the stored path.
fs::path location(const std::string& uri, const std::string& path) {
  return uri.rfind("file://", 0) == 0 ? fs::path(uri.substr(7)) : fs::path(path);
}

}  // namespace

int cmd_sources(CommandContext& ctx) {
  po::options_description opts("sources options");
  opts.add_options()("json", "print JSON")("check", "exit with status 1 if a source changed or went missing");
  add_store_option(opts);
  auto vm = parse_command(ctx, "analytica sources [--json] [--check] [--pipeline FILE]", opts, {});
  if (!vm) return 0;
  Store store(ctx.settings, vm->count("pipeline") ? (*vm)["pipeline"].as<std::string>() : "");
  if (!store.has_table("governance_sources"))
    throw UserError(store.description() + ": no source registry yet (run a pipeline first)");
  const auto rows = store.query(
      "SELECT sha256, uri, path, name, size, version, first_seen, last_seen, status, message, run_id, supersedes, "
      "superseded_by FROM governance_sources ORDER BY uri, version");
  std::map<std::string, int64_t> version_of;  // sha256 -> version, to name what a changed file now holds
  for (const auto& r : rows) version_of[r[0].text] = r[5].i;

  json out = json::array();
  std::map<std::string, uint64_t> counts;
  for (const auto& r : rows) {
    const std::string sha = r[0].text, status = r[8].text;
    const fs::path file = location(r[1].text, r[2].text);
    // Only versions whose records are in the store are checked: superseded
    // ones are expected to differ on disk, failed ones left nothing.
    std::string integrity = status == "superseded" ? "superseded" : "not checked", now_sha;
    if (status == "ingested") {
      std::error_code ec;
      if (!fs::is_regular_file(file, ec)) {
        integrity = "missing";
      } else {
        try {
          now_sha = sha256_file(file);
          integrity = now_sha == sha ? "ok" : "changed";
        } catch (const UserError&) {
          integrity = "unreadable";
        }
      }
    }
    ++counts[integrity];
    json row = {{"name", r[3].text},
                {"path", file.string()},
                {"uri", r[1].text},
                {"sha256", sha},
                {"size", r[4].i},
                {"version", r[5].i},
                {"status", status},
                {"integrity", integrity},
                {"first_seen", r[6].text},
                {"last_seen", r[7].text},
                {"run_id", r[10].type == ANALYTICA_NULL ? json(nullptr) : json(r[10].text)},
                {"supersedes", r[11].type == ANALYTICA_NULL ? json(nullptr) : json(r[11].text)},
                {"superseded_by", r[12].type == ANALYTICA_NULL ? json(nullptr) : json(r[12].text)},
                {"message", r[9].type == ANALYTICA_NULL ? json(nullptr) : json(r[9].text)}};
    if (integrity == "changed") {
      row["sha256_now"] = now_sha;
      row["now_matches_version"] = version_of.count(now_sha) ? json(version_of[now_sha]) : json(nullptr);
    }
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
    for (const auto& s : out) {
      std::string integrity = s["integrity"].get<std::string>();
      std::cout << pad(s["name"].get<std::string>(), 44) << pad(s["version"].dump(), 4)
                << pad(s["status"].get<std::string>(), 11) << pad(integrity, 11) << pad(s["size"].dump(), 10)
                << pad(s["sha256"].get<std::string>().substr(0, 12), 14) << pad(s["last_seen"].get<std::string>(), 25)
                << s["path"].get<std::string>() << "\n";
      if (integrity == "changed")
        std::cout << "    changed on disk since ingest: now " << s["sha256_now"].get<std::string>().substr(0, 12)
                  << (s["now_matches_version"].is_null() ? " (not ingested)"
                                                         : " (= version " + s["now_matches_version"].dump() + ")")
                  << "\n";
      if (s["status"] == "failed" && s["message"].is_string())
        std::cout << "    failed: " << s["message"].get<std::string>() << "\n";
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
