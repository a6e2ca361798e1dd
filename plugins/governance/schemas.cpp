#include "schemas.h"

#include <analytica_store.h>

#include <algorithm>

namespace governance {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using analytica::Schema;
using nlohmann::json;

namespace {

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;
constexpr uint32_t NEWEST = ANALYTICA_COLUMN_NEWEST;

const Schema& schemas_schema() {
  static const Schema s(ANALYTICA_T_SCHEMAS,
                        {{"table_name", ANALYTICA_TEXT, KEY}, {"version", ANALYTICA_INT64, KEY},
                         {"columns", ANALYTICA_TEXT, 0}, {"sha256", ANALYTICA_TEXT, 0},
                         {"recorded_at", ANALYTICA_TEXT, 0}, {"run_id", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& changes_schema() {
  static const Schema s(ANALYTICA_T_SCHEMA_CHANGES,
                        {{"run_id", ANALYTICA_TEXT, KEY}, {"table_name", ANALYTICA_TEXT, KEY},
                         {"from_version", ANALYTICA_INT64, 0}, {"to_version", ANALYTICA_INT64, 0},
                         {"kind", ANALYTICA_TEXT, 0}, {"outcome", ANALYTICA_TEXT, 0},
                         {"diff", ANALYTICA_TEXT, 0}, {"detected_at", ANALYTICA_TEXT, 0}});
  return s;
}

Cell text(const std::string& s) { return Cell::of(s); }
Cell num(int64_t v) { return Cell::of(v); }
Cell opt_num(int64_t v) { return v > 0 ? Cell::of(v) : Cell::null(); }

json flags_json(uint32_t flags) { return {{"key", (flags & KEY) != 0}, {"newest", (flags & NEWEST) != 0}}; }

std::string describe(const json& diff) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  for (const auto& c : diff["removed"]) add("column \"" + c["name"].get<std::string>() + "\" removed");
  for (const auto& c : diff["retyped"])
    add("column \"" + c["name"].get<std::string>() + "\" retyped " + c["from"].get<std::string>() + " -> " +
        c["to"].get<std::string>());
  for (const auto& c : diff["flags_changed"])
    add("column \"" + c["name"].get<std::string>() + "\" key/newest flags changed from " + c["from"].dump() + " to " +
        c["to"].dump());
  for (const auto& c : diff["added"])
    add("column \"" + c["name"].get<std::string>() + "\" (" + c["type"].get<std::string>() + ") added");
  return out;
}

}  // namespace

const char* type_name(analytica_type type) {
  switch (type) {
    case ANALYTICA_INT64: return "INT64";
    case ANALYTICA_DOUBLE: return "DOUBLE";
    case ANALYTICA_TEXT: return "TEXT";
    default: return "NULL";
  }
}

TableShape TableShape::of(const analytica_table_schema& schema) {
  const Schema s = Schema::copy_of(schema);
  return {s.table(), s.columns()};
}

json TableShape::columns_json() const {
  json out = json::array();
  for (const auto& c : columns)
    out.push_back({{"name", c.name}, {"type", type_name(c.type)}, {"key", (c.flags & KEY) != 0},
                   {"newest", (c.flags & NEWEST) != 0}});
  return out;
}

TableShape TableShape::from_json(const std::string& table, const json& columns) {
  TableShape out{table, {}};
  for (const auto& c : columns) {
    const std::string t = c.value("type", "TEXT");
    const analytica_type type = t == "INT64" ? ANALYTICA_INT64 : t == "DOUBLE" ? ANALYTICA_DOUBLE : ANALYTICA_TEXT;
    const uint32_t flags = (c.value("key", false) ? KEY : 0u) | (c.value("newest", false) ? NEWEST : 0u);
    out.columns.push_back({c.value("name", ""), type, flags});
  }
  return out;
}

std::string TableShape::sha256() const {
  json sorted = columns_json();
  std::sort(sorted.begin(), sorted.end(),
            [](const json& a, const json& b) { return a["name"].get<std::string>() < b["name"].get<std::string>(); });
  return sha256_text(sorted.dump());
}

void SchemaRegistry::declare_tables() const {
  store_.write(Batch(schemas_schema()));
  store_.write(Batch(changes_schema()));
}

void SchemaRegistry::check(const analytica_table_schema& given, const std::string& run_id) {
  const TableShape now = TableShape::of(given);
  const std::string sha = now.sha256();
  const auto rows = store_.query(
      "SELECT version, columns, sha256 FROM " ANALYTICA_T_SCHEMAS " WHERE table_name = ? ORDER BY version DESC",
      {text(now.table)});
  int64_t version = 0;
  json diff = {{"added", json::array()}, {"removed", json::array()}, {"retyped", json::array()},
               {"flags_changed", json::array()}};
  std::string kind = "created";
  if (rows.empty())
    for (const auto& c : now.columns) diff["added"].push_back({{"name", c.name}, {"type", type_name(c.type)}});
  if (!rows.empty()) {
    version = rows[0][0].i;
    if (rows[0][2].text == sha) return;  // unchanged
    const TableShape before = TableShape::from_json(now.table, json::parse(rows[0][1].text));
    for (const auto& c : now.columns) {
      const auto old = std::find_if(before.columns.begin(), before.columns.end(),
                                    [&](const analytica::Column& o) { return o.name == c.name; });
      if (old == before.columns.end()) {
        diff["added"].push_back({{"name", c.name}, {"type", type_name(c.type)}});
      } else {
        if (old->type != c.type)
          diff["retyped"].push_back({{"name", c.name}, {"from", type_name(old->type)}, {"to", type_name(c.type)}});
        if ((old->flags & (KEY | NEWEST)) != (c.flags & (KEY | NEWEST)))
          diff["flags_changed"].push_back({{"name", c.name}, {"from", flags_json(old->flags)}, {"to", flags_json(c.flags)}});
      }
    }
    for (const auto& o : before.columns)
      if (std::none_of(now.columns.begin(), now.columns.end(), [&](const analytica::Column& c) { return c.name == o.name; }))
        diff["removed"].push_back({{"name", o.name}, {"type", type_name(o.type)}});
    const bool destructive = !diff["removed"].empty() || !diff["retyped"].empty() || !diff["flags_changed"].empty();
    kind = destructive ? "destructive" : "additive";
    if (destructive && !accepted_.count(now.table)) {
      const std::string what = describe(diff);
      refusals_.push_back({run_id, now.table, diff.dump(), now_utc(), version});
      last_refusal_ = "table \"" + now.table + "\": destructive schema change refused (recorded version " +
                      std::to_string(version) + " -> new): " + what +
                      ". Destructive changes are not migrated automatically: restore the previous columns "
                      "(e.g. the previous plugin version or input layout), or migrate the table yourself (a "
                      "retyped column needs the table renamed or dropped) and allow the change with the "
                      "governance setting \"accept_schema_changes\": [\"" +
                      now.table + "\"] in the pipeline file, then run again";
      throw Failure(ANALYTICA_ERR_CONFLICT, last_refusal_);
    }
  }
  const std::string at = now_utc();
  Batch version_row(schemas_schema());
  version_row.add_row() = {text(now.table), num(version + 1), text(now.columns_json().dump()), text(sha), text(at),
                           text(run_id)};
  store_.write(version_row);
  Batch change(changes_schema());
  change.add_row() = {text(run_id), text(now.table), opt_num(version), num(version + 1), text(kind),
                      text(kind == "created" ? "recorded" : kind == "additive" ? "migrated" : "accepted"),
                      text(diff.dump()), text(at)};
  store_.write(change);
}

void SchemaRegistry::write_refusals() {
  for (const auto& r : refusals_) {
    Batch change(changes_schema());
    change.add_row() = {text(r.run_id), text(r.table), opt_num(r.from_version), Cell::null(), text("destructive"),
                        text("refused"), text(r.diff), text(r.detected_at)};
    store_.write(change);
  }
  refusals_.clear();
}

}  // namespace governance
