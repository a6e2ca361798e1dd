// analytica lineage TABLE KEY=VALUE... [--json] [--pipeline FILE]
//
// Where a record, and each of its numbers, came from: for every version of
// the record governance traced (the current one first), the source file
// (path, SHA-256, file version), the run, the extractor, the validation
// status, and per column the value, page, box and confidence. Reads the
// governance tables through the store's sink, so it works on any backend.
#include "cli/commands.h"
#include "cli/render.h"
#include "run/cell_format.h"
#include "read/lineage.h"
#include "run/store.h"
#include "run/util.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

// A recorded value (record-key text form) as JSON of the column's type.
json typed(const Cell& value, const std::string& type) {
  if (value.type == ANALYTICA_NULL) return nullptr;
  const std::string text = cell_text(value);
  try {
    if (type == "INT64") return std::stoll(text);
    if (type == "DOUBLE") return std::stod(text);
  } catch (const std::exception&) {
  }
  return text;
}

// The answer of read/lineage.h as the command's JSON.
json record_json(const RecordLineage& rec) {
  std::map<std::string, std::string> types;
  for (const auto& c : rec.columns) types[c.name] = c.type;
  json versions = json::array();
  for (const auto& v : rec.versions) {
    json source = {{"sha256", v.source_sha256}};
    if (v.source) {
      source["name"] = v.source->name;
      source["path"] = v.source->path;
      source["uri"] = v.source->uri;
      source["version"] = v.source->version;
      source["status"] = v.source->status;
      source["size"] = v.source->size;
    }
    json run = {{"id", v.run_id}};
    if (v.run) {
      run["pipeline"] = v.run->pipeline;
      run["started_at"] = v.run->started_at;
      run["status"] = v.run->status;
    }
    json validation = "not validated";
    if (v.validation)
      validation = {{"status", v.validation->status},
                    {"confidence", json_or_null(v.validation->confidence)},
                    {"reasons", json_or_null(v.validation->reasons)}};
    json cells = json::array();
    for (const auto& c : v.cells) {
      const auto t = types.find(c.column);
      json cell = {{"column", c.column}, {"value", typed(c.value, t == types.end() ? "TEXT" : t->second)}};
      cell["page"] = json_or_null(c.page);
      cell["box"] = c.page && *c.page > 0 ? json::array({c.x0, c.y0, c.x1, c.y1}) : json(nullptr);
      cell["confidence"] = json_or_null(c.confidence);
      cells.push_back(cell);
    }
    versions.push_back({{"source", source},
                        {"run", run},
                        {"extractor", v.extractor},
                        {"written_at", v.written_at},
                        {"current", v.current},
                        {"superseded_by", json_or_null(v.superseded_by)},
                        {"matches_store", v.matches_store},
                        {"validation", validation},
                        {"cells", cells}});
  }
  return {{"table", rec.table}, {"record_key", rec.record_key}, {"versions", versions}};
}

void print_record(const json& rec) {
  std::cout << rec["table"].get<std::string>() << "  " << rec["record_key"].get<std::string>() << "\n";
  for (const auto& v : rec["versions"]) {
    const auto& s = v["source"];
    std::string state = v["current"].get<bool>()          ? "current"
                        : v["superseded_by"].is_string() ? "superseded by " + v["superseded_by"].get<std::string>().substr(0, 12)
                                                          : "not current: a later report holds the record";
    if (v["matches_store"].get<bool>()) state += ", values in store";
    std::cout << "\n  from " << s.value("name", std::string("?")) << " version " << s.value("version", int64_t{0})
              << " (" << state << ")\n";
    std::cout << "    source      " << s.value("path", std::string()) << "\n";
    std::cout << "    sha256      " << s["sha256"].get<std::string>() << " (" << s.value("status", std::string("?"))
              << ")\n";
    const auto& r = v["run"];
    std::cout << "    run         " << r["id"].get<std::string>() << " (pipeline " << r.value("pipeline", std::string("?"))
              << ", " << r.value("started_at", std::string("?")) << ")\n";
    std::cout << "    extractor   " << v["extractor"].get<std::string>() << ", written " << v["written_at"].get<std::string>()
              << "\n";
    const auto& val = v["validation"];
    std::cout << "    validation  "
              << (val.is_string() ? val.get<std::string>()
                                  : val["status"].get<std::string>() +
                                        (val["confidence"].is_null() ? "" : " (confidence " + fixed(val["confidence"].get<double>(), 2) + ")") +
                                        (val["reasons"].is_null() || val["reasons"].get<std::string>().empty()
                                             ? ""
                                             : ": " + val["reasons"].get<std::string>()))
              << "\n";
    std::cout << "    " << pad("column", 34) << pad("value", 14) << pad("page", 6) << pad("box (x0, y0, x1, y1)", 34)
              << "confidence\n";
    for (const auto& c : v["cells"]) {
      const std::string value = c["value"].is_null() ? "-" : c["value"].is_string() ? c["value"].get<std::string>()
                                                                                     : c["value"].dump();
      std::string box = "-";
      if (c["box"].is_array())
        box = fixed(c["box"][0].get<double>(), 2) + ", " + fixed(c["box"][1].get<double>(), 2) + ", " +
              fixed(c["box"][2].get<double>(), 2) + ", " + fixed(c["box"][3].get<double>(), 2);
      const std::string page = c["page"].is_null() || c["page"].get<int64_t>() == 0 ? "-" : c["page"].dump();
      const std::string conf = c["confidence"].is_null() ? "-" : fixed(c["confidence"].get<double>(), 2);
      std::cout << "    " << pad(c["column"].get<std::string>(), 34) << pad(value, 14) << pad(page, 6) << pad(box, 34)
                << conf << "\n";
    }
  }
}

}  // namespace

int cmd_lineage(CommandContext& ctx) {
  po::options_description opts("lineage options");
  opts.add_options()("table", po::value<std::string>()->required(), "table, e.g. housing_city_monthly")(
      "key", po::value<std::vector<std::string>>(), "KEY=VALUE pairs naming the record (all key columns, or some)")(
      "json", "print JSON");
  add_store_option(opts);
  po::positional_options_description pos;
  pos.add("table", 1).add("key", -1);
  auto vm = parse_command(ctx, "analytica lineage TABLE KEY=VALUE... [--json] [--pipeline FILE]", opts, pos);
  if (!vm) return 0;
  const std::string table = (*vm)["table"].as<std::string>();
  std::vector<std::pair<std::string, std::string>> given;
  if (vm->count("key"))
    for (const auto& kv : (*vm)["key"].as<std::vector<std::string>>()) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw UserError("'" + kv + "': expected KEY=VALUE (e.g. month=2024-01)");
      given.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  if (given.empty()) throw UserError("name the record with KEY=VALUE pairs (usage: analytica lineage TABLE KEY=VALUE...)");

  Store store(ctx.settings, pipeline_option(*vm));
  if (!lineage_recorded(store))
    throw UserError(store.description() + ": no lineage recorded yet (run a pipeline first)");
  const auto keys = matching_record_keys(store, table, given);
  if (keys.empty()) {
    std::string what;
    for (const auto& [k, v] : given) what += " " + k + "=" + v;
    if (!lineage_recorded_for(store, table))
      throw UserError("no lineage recorded for table " + table + " in " + store.description());
    std::string key_names;
    for (const auto& c : traced_columns(store, table))
      if (c.key) key_names += (key_names.empty() ? "" : ", ") + c.name;
    throw UserError("no record of " + table + " matches" + what +
                    (key_names.empty() ? "" : " (its key columns: " + key_names + ")"));
  }
  json records = json::array();
  for (const auto& key : keys) records.push_back(record_json(record_lineage(store, table, key)));
  if (vm->count("json")) {
    std::cout << json({{"table", table}, {"records", records}}).dump(2) << "\n";
  } else {
    for (size_t i = 0; i < records.size(); ++i) {
      if (i) std::cout << "\n";
      print_record(records[i]);
    }
  }
  return 0;
}

const RegisterCommand kRegister("lineage", "where a record and each of its numbers came from (file, page, box, run)",
                                cmd_lineage);

}  // namespace analytica
