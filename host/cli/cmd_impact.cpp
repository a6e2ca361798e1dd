// analytica impact SOURCE [--json] [--summary] [--pipeline FILE]
//
// Every record that came from a source file, by table. SOURCE is a path
// (or the file name the registry shows), which covers every version of the
// file — superseded ones included — or a SHA-256 (or a unique prefix of at
// least 8 hex digits), which covers that one version.
#include "cli/commands.h"
#include "cli/render.h"
#include "read/impact.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

int cmd_impact(CommandContext& ctx) {
  po::options_description opts("impact options");
  opts.add_options()("source", po::value<std::string>()->required(), "source file path, file name or SHA-256")(
      "json", "print JSON")("summary", "text output: counts per table only, without the record keys");
  add_store_option(opts);
  po::positional_options_description pos;
  pos.add("source", 1);
  auto vm = parse_command(ctx, "analytica impact SOURCE [--json] [--summary] [--pipeline FILE]", opts, pos);
  if (!vm) return 0;
  const std::string source = (*vm)["source"].as<std::string>();
  Store store(ctx.settings, pipeline_option(*vm));
  if (!sources_registered(store))
    throw UserError(store.description() + ": no source registry yet (run a pipeline first)");
  const SourceImpact impact = source_impact(store, source);
  if (impact.versions.empty()) throw UserError(source + ": not in the source registry of " + store.description());

  json versions = json::array();
  for (const auto& v : impact.versions) {
    json tables = json::array();
    for (const auto& t : v.tables)
      tables.push_back({{"table", t.table}, {"records", t.records}, {"superseded", t.superseded}, {"keys", t.keys}});
    const SourceRecord& s = v.source;
    versions.push_back({{"sha256", s.sha256},
                        {"uri", s.uri},
                        {"path", s.path},
                        {"name", s.name},
                        {"version", s.version},
                        {"status", s.status},
                        {"size", s.size},
                        {"first_seen", s.first_seen},
                        {"last_seen", s.last_seen},
                        {"superseded_by", json_or_null(s.superseded_by)},
                        {"records", v.records},
                        {"tables", tables}});
  }
  json tables = json::array();
  for (const auto& t : impact.tables)
    tables.push_back({{"table", t.table}, {"records", t.records}, {"current", t.current}, {"superseded", t.superseded}});
  const uint64_t total = impact.records;

  if (vm->count("json")) {
    std::cout << json({{"source", source}, {"records", total}, {"tables", tables}, {"versions", versions}}).dump(2)
              << "\n";
    return 0;
  }
  std::cout << source << ": " << versions.size() << " version(s), " << total << " record(s)\n";
  for (const auto& t : tables)
    std::cout << "  " << t["table"].get<std::string>() << ": " << t["records"] << " (" << t["current"] << " current, "
              << t["superseded"] << " superseded)\n";
  for (const auto& v : versions) {
    std::cout << "\nversion " << v["version"] << " of " << v["name"].get<std::string>() << "  "
              << v["sha256"].get<std::string>() << "  " << v["status"].get<std::string>();
    if (!v["superseded_by"].is_null()) std::cout << " (by " << v["superseded_by"].get<std::string>().substr(0, 12) << ")";
    std::cout << "  " << v["records"] << " record(s)\n";
    for (const auto& t : v["tables"]) {
      std::cout << "  " << t["table"].get<std::string>() << ": " << t["records"] << " record(s)"
                << (t["superseded"].get<uint64_t>() ? ", superseded" : "") << "\n";
      if (vm->count("summary")) continue;
      for (const auto& k : t["keys"]) std::cout << "    " << k.get<std::string>() << "\n";
    }
  }
  return 0;
}

const RegisterCommand kRegister("impact", "every record that came from a source file (all its versions), by table",
                                cmd_impact);

}  // namespace analytica
