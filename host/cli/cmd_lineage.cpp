// analytica lineage TABLE KEY=VALUE... [--json] [--pipeline FILE]
//
// Where a record, and each of its numbers, came from: for every version of
// the record governance traced (the current one first), the source file
// (path, SHA-256, file version), the run, the extractor, the validation
// status, and per column the value, page, box and confidence. Reads the
// governance tables through the store's sink, so it works on any backend.
#include "cli/commands.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_record_key.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

namespace analytica {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

struct KeyColumn {
  std::string name;
  std::string type;  // INT64 | DOUBLE | TEXT
  bool key = false;
};

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

Cell text_cell(const std::string& s) { return Cell::of(s); }

// Equal as record-key values: the same text, or the same number.
bool same_value(const std::string& stored, const std::string& given) {
  if (stored == given) return true;
  char* end1 = nullptr;
  char* end2 = nullptr;
  const double a = std::strtod(stored.c_str(), &end1), b = std::strtod(given.c_str(), &end2);
  return !stored.empty() && !given.empty() && *end1 == '\0' && *end2 == '\0' && a == b;
}

// A stored cell value as governance renders it (record_key.h).
std::string value_text(const Cell& c) {
  if (c.type == ANALYTICA_NULL) return "";
  return analytica::value_text(value_of(c));
}

json typed(const std::string& value, bool is_null, const std::string& type) {
  if (is_null) return nullptr;
  try {
    if (type == "INT64") return std::stoll(value);
    if (type == "DOUBLE") return std::stod(value);
  } catch (const std::exception&) {
  }
  return value;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' '); }

// The newest recorded schema of a table (empty if governance has none).
std::vector<KeyColumn> table_columns(Store& store, const std::string& table) {
  std::vector<KeyColumn> out;
  if (!store.has_table("governance_schemas")) return out;
  const auto rows = store.query(
      "SELECT columns FROM governance_schemas WHERE table_name = ? ORDER BY version DESC", {text_cell(table)});
  if (rows.empty()) return out;
  const auto cols = nlohmann::json::parse(rows[0][0].text, nullptr, false);
  if (!cols.is_array()) return out;
  for (const auto& c : cols)
    out.push_back({c.value("name", ""), c.value("type", "TEXT"), c.value("key", false)});
  return out;
}

// The record keys of `table` matching every given (column, value) pair.
std::vector<std::string> matching_keys(Store& store, const std::string& table,
                                       const std::vector<std::pair<std::string, std::string>>& given,
                                       const std::vector<KeyColumn>& columns) {
  // Fast path: exactly the key columns given.
  std::vector<std::string> key_names;
  for (const auto& c : columns)
    if (c.key) key_names.push_back(c.name);
  if (!key_names.empty() && key_names.size() == given.size()) {
    std::string key;
    bool all = true;
    for (const auto& name : key_names) {
      const auto it = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == name; });
      if (it == given.end()) { all = false; break; }
      key += (key.empty() ? "" : "|") + name + "=" + it->second;
    }
    if (all && !store.query("SELECT record_key FROM governance_lineage_records WHERE table_name = ? AND record_key = ?",
                            {text_cell(table), text_cell(key)})
                    .empty())
      return {key};
  }
  // Otherwise compare the parts of every record key of the table.
  std::vector<std::string> out;
  for (const auto& row : store.query(
           "SELECT DISTINCT record_key FROM governance_lineage_records WHERE table_name = ? ORDER BY record_key",
           {text_cell(table)})) {
    const auto parts = analytica::parse_record_key(row[0].text);
    const bool all = std::all_of(given.begin(), given.end(), [&](const auto& g) {
      return std::any_of(parts.begin(), parts.end(),
                         [&](const auto& p) { return p.first == g.first && same_value(p.second, g.second); });
    });
    if (all) out.push_back(row[0].text);
  }
  return out;
}

// The stored row of a record, column name -> value text (empty map if the
// table or the row cannot be read).
std::map<std::string, std::string> stored_row(Store& store, const std::string& table, const std::string& key,
                                              const std::vector<KeyColumn>& columns) {
  std::map<std::string, std::string> out;
  if (columns.empty() || !is_identifier(table) || !store.has_table(table)) return out;
  std::string select, where;
  std::vector<Cell> params;
  const auto parts = analytica::parse_record_key(key);
  for (const auto& c : columns) {
    if (!is_identifier(c.name)) return out;
    select += (select.empty() ? "" : ", ") + quoted(c.name);
    if (!c.key) continue;
    const auto it = std::find_if(parts.begin(), parts.end(), [&](const auto& p) { return p.first == c.name; });
    if (it == parts.end()) return out;
    where += (where.empty() ? "" : " AND ") + quoted(c.name) + " = ?";
    try {
      params.push_back(c.type == "INT64"    ? Cell::of(static_cast<int64_t>(std::stoll(it->second)))
                       : c.type == "DOUBLE" ? Cell::of(std::stod(it->second))
                                            : Cell::of(it->second));
    } catch (const std::exception&) {
      return out;
    }
  }
  if (where.empty()) return out;
  const auto rows = store.query("SELECT " + select + " FROM " + quoted(table) + " WHERE " + where, params);
  if (rows.size() != 1) return out;
  for (size_t i = 0; i < columns.size(); ++i) out[columns[i].name] = value_text(rows[0][i]);
  return out;
}

json source_json(Store& store, const std::string& sha) {
  const auto rows = store.query(
      "SELECT name, path, uri, version, status, size, superseded_by FROM governance_sources WHERE sha256 = ?",
      {text_cell(sha)});
  json s = {{"sha256", sha}};
  if (rows.empty()) return s;
  const auto& r = rows[0];
  s["name"] = r[0].text;
  s["path"] = r[1].text;
  s["uri"] = r[2].text;
  s["version"] = r[3].i;
  s["status"] = r[4].text;
  s["size"] = r[5].i;
  return s;
}

json run_json(Store& store, const std::string& run_id) {
  const auto rows =
      store.query("SELECT pipeline, started_at, status FROM governance_runs WHERE run_id = ?", {text_cell(run_id)});
  json r = {{"id", run_id}};
  if (rows.empty()) return r;
  r["pipeline"] = rows[0][0].text;
  r["started_at"] = rows[0][1].text;
  r["status"] = rows[0][2].text;
  return r;
}

json validation_json(Store& store, bool have_reviews, const std::string& table, const std::string& key,
                     const std::string& sha) {
  if (!have_reviews) return "not validated";
  const auto rows = store.query(
      "SELECT status, confidence, reasons FROM review_queue WHERE table_name = ? AND record_key = ? AND "
      "source_sha256 = ?",
      {text_cell(table), text_cell(key), text_cell(sha)});
  if (rows.empty()) return "not validated";
  json v = {{"status", rows[0][0].text}};
  v["confidence"] = rows[0][1].type == ANALYTICA_NULL ? json(nullptr) : json(rows[0][1].type == ANALYTICA_INT64
                                                                                   ? static_cast<double>(rows[0][1].i)
                                                                                   : rows[0][1].d);
  v["reasons"] = rows[0][2].type == ANALYTICA_NULL ? json(nullptr) : json(rows[0][2].text);
  return v;
}

// Every traced version of one record, the current one first.
json record_json(Store& store, const std::string& table, const std::string& key, const std::vector<KeyColumn>& columns,
                 bool have_reviews) {
  const auto stored = stored_row(store, table, key, columns);
  std::map<std::string, size_t> order;
  std::map<std::string, std::string> types;
  for (size_t i = 0; i < columns.size(); ++i) {
    order[columns[i].name] = i;
    types[columns[i].name] = columns[i].type;
  }
  auto rows = store.query(
      "SELECT source_sha256, run_id, extractor, written_at, superseded_by FROM governance_lineage_records "
      "WHERE table_name = ? AND record_key = ?",
      {text_cell(table), text_cell(key)});
  std::stable_sort(rows.begin(), rows.end(), [](const Store::Row& a, const Store::Row& b) {
    const bool ca = a[4].type == ANALYTICA_NULL, cb = b[4].type == ANALYTICA_NULL;
    if (ca != cb) return ca;
    return a[3].text > b[3].text;  // newest first
  });
  json versions = json::array();
  for (const auto& r : rows) {
    const std::string sha = r[0].text;
    auto cells = store.query(
        "SELECT column_name, value, page, x0, y0, x1, y1, confidence FROM governance_lineage_cells "
        "WHERE table_name = ? AND record_key = ? AND source_sha256 = ?",
        {text_cell(table), text_cell(key), text_cell(sha)});
    std::stable_sort(cells.begin(), cells.end(), [&](const Store::Row& a, const Store::Row& b) {
      const auto ia = order.find(a[0].text), ib = order.find(b[0].text);
      return (ia == order.end() ? order.size() : ia->second) < (ib == order.end() ? order.size() : ib->second);
    });
    json cells_out = json::array();
    bool in_store = !stored.empty();
    for (const auto& c : cells) {
      const bool is_null = c[1].type == ANALYTICA_NULL;
      const std::string type = types.count(c[0].text) ? types[c[0].text] : "TEXT";
      json cell = {{"column", c[0].text}, {"value", typed(c[1].text, is_null, type)}};
      if (c[2].type == ANALYTICA_NULL) {
        cell["page"] = nullptr;
        cell["box"] = nullptr;
      } else {
        cell["page"] = c[2].i;
        cell["box"] = c[2].i > 0 ? json::array({c[3].d, c[4].d, c[5].d, c[6].d}) : json(nullptr);
      }
      cell["confidence"] = c[7].type == ANALYTICA_NULL ? json(nullptr) : json(c[7].d);
      const auto it = stored.find(c[0].text);
      if (it != stored.end() && it->second != (is_null ? std::string() : c[1].text)) in_store = false;
      cells_out.push_back(cell);
    }
    json v = {{"source", source_json(store, sha)},
              {"run", run_json(store, r[1].text)},
              {"extractor", r[2].text},
              {"written_at", r[3].text},
              {"current", r[4].type == ANALYTICA_NULL},
              {"superseded_by", r[4].type == ANALYTICA_NULL ? json(nullptr) : json(r[4].text)},
              {"matches_store", in_store},
              {"validation", validation_json(store, have_reviews, table, key, sha)},
              {"cells", cells_out}};
    versions.push_back(v);
  }
  return {{"table", table}, {"record_key", key}, {"versions", versions}};
}

void print_record(const json& rec) {
  std::cout << rec["table"].get<std::string>() << "  " << rec["record_key"].get<std::string>() << "\n";
  for (const auto& v : rec["versions"]) {
    const auto& s = v["source"];
    std::string state = v["current"].get<bool>() ? "current" : "superseded by " + v["superseded_by"].get<std::string>().substr(0, 12);
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
        box = fixed(c["box"][0].get<double>(), 1) + ", " + fixed(c["box"][1].get<double>(), 1) + ", " +
              fixed(c["box"][2].get<double>(), 1) + ", " + fixed(c["box"][3].get<double>(), 1);
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

  Store store(ctx.settings, vm->count("pipeline") ? (*vm)["pipeline"].as<std::string>() : "");
  if (!store.has_table("governance_lineage_records"))
    throw UserError(store.description() + ": no lineage recorded yet (run a pipeline first)");
  const auto columns = table_columns(store, table);
  const auto keys = matching_keys(store, table, given, columns);
  if (keys.empty()) {
    std::string what;
    for (const auto& [k, v] : given) what += " " + k + "=" + v;
    if (store.query("SELECT record_key FROM governance_lineage_records WHERE table_name = ?", {Cell::of(table)}).empty())
      throw UserError("no lineage recorded for table " + table + " in " + store.description());
    std::string key_names;
    for (const auto& c : columns)
      if (c.key) key_names += (key_names.empty() ? "" : ", ") + c.name;
    throw UserError("no record of " + table + " matches" + what +
                    (key_names.empty() ? "" : " (its key columns: " + key_names + ")"));
  }
  const bool have_reviews = store.has_table("review_queue");
  json records = json::array();
  for (const auto& key : keys) records.push_back(record_json(store, table, key, columns, have_reviews));
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
