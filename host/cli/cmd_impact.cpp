// analytica impact SOURCE [--json] [--summary] [--pipeline FILE]
//
// Every record that came from a source file, by table. SOURCE is a path
// (or the file name the registry shows), which covers every version of the
// file — superseded ones included — or a SHA-256 (or a unique prefix of at
// least 8 hex digits), which covers that one version.
#include "cli/commands.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace analytica {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

bool is_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* kSourceColumns =
    "SELECT sha256, uri, path, name, version, status, size, first_seen, last_seen, superseded_by "
    "FROM governance_sources";

// The registry rows SOURCE names, ordered by file and version.
std::vector<Store::Row> resolve(Store& store, const std::string& source) {
  std::vector<Store::Row> rows;
  if (is_hex(source) && source.size() >= 8 && source.size() <= 64) {
    const std::string sha = lower(source);
    if (sha.size() == 64) {
      rows = store.query(std::string(kSourceColumns) + " WHERE sha256 = ?", {Cell::of(sha)});
    } else {
      rows = store.query(std::string(kSourceColumns) + " WHERE sha256 LIKE ?", {Cell::of(sha + "%")});
      if (rows.size() > 1)
        throw UserError(source + ": ambiguous SHA-256 prefix (" + std::to_string(rows.size()) +
                        " sources match; give more digits)");
    }
    if (!rows.empty()) return rows;
  }
  // A path: every version registered under the same file.
  std::error_code ec;
  const fs::path absolute = fs::absolute(fs::path(source), ec).lexically_normal();
  const std::string uri = "file://" + absolute.string();
  std::set<std::string> uris;
  for (const auto& r : store.query("SELECT DISTINCT uri FROM governance_sources WHERE uri = ? OR path = ? OR name = ?",
                                   {Cell::of(uri), Cell::of(source), Cell::of(source)}))
    uris.insert(r[0].text);
  for (const auto& u : uris)
    for (auto& r : store.query(std::string(kSourceColumns) + " WHERE uri = ? ORDER BY version", {Cell::of(u)}))
      rows.push_back(std::move(r));
  return rows;
}

}  // namespace

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
  Store store(ctx.settings, vm->count("pipeline") ? (*vm)["pipeline"].as<std::string>() : "");
  if (!store.has_table("governance_sources"))
    throw UserError(store.description() + ": no source registry yet (run a pipeline first)");
  const auto rows = resolve(store, source);
  if (rows.empty()) throw UserError(source + ": not in the source registry of " + store.description());

  json versions = json::array();
  std::map<std::string, json> by_table;  // table -> {records, current, superseded, versions}
  uint64_t total = 0;
  for (const auto& r : rows) {
    const std::string sha = r[0].text;
    json tables = json::array();
    uint64_t count = 0;
    std::string table;
    json* current = nullptr;
    for (const auto& rec : store.query(
             "SELECT table_name, record_key, superseded_by FROM governance_lineage_records WHERE source_sha256 = ? "
             "ORDER BY table_name, record_key",
             {Cell::of(sha)})) {
      if (!current || rec[0].text != table) {
        table = rec[0].text;
        tables.push_back({{"table", table}, {"records", 0}, {"superseded", 0}, {"keys", json::array()}});
        current = &tables.back();
      }
      const bool superseded = rec[2].type != ANALYTICA_NULL;
      (*current)["records"] = (*current)["records"].get<uint64_t>() + 1;
      if (superseded) (*current)["superseded"] = (*current)["superseded"].get<uint64_t>() + 1;
      (*current)["keys"].push_back(rec[1].text);
      json& t = by_table[table];
      if (t.is_null()) t = {{"table", table}, {"records", 0}, {"current", 0}, {"superseded", 0}};
      t["records"] = t["records"].get<uint64_t>() + 1;
      t[superseded ? "superseded" : "current"] = t[superseded ? "superseded" : "current"].get<uint64_t>() + 1;
      ++count;
    }
    total += count;
    versions.push_back({{"sha256", sha},
                        {"uri", r[1].text},
                        {"path", r[2].text},
                        {"name", r[3].text},
                        {"version", r[4].i},
                        {"status", r[5].text},
                        {"size", r[6].i},
                        {"first_seen", r[7].text},
                        {"last_seen", r[8].text},
                        {"superseded_by", r[9].type == ANALYTICA_NULL ? json(nullptr) : json(r[9].text)},
                        {"records", count},
                        {"tables", tables}});
  }
  json tables = json::array();
  for (auto& [name, t] : by_table) tables.push_back(t);

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
