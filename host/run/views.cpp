#include "run/views.h"

#include "run/config.h"
#include "run/sql.h"
#include "run/util.h"

#include <algorithm>
#include <map>
#include <cctype>
#include <set>

namespace analytica {
using nlohmann::json;

namespace {

std::vector<std::string> strings(const json& j, const std::string& file, const std::string& path) {
  std::vector<std::string> out;
  if (!j.is_array()) throw UserError(file + ": " + path + ": expected an array of strings");
  for (const auto& v : j) {
    if (!v.is_string()) throw UserError(file + ": " + path + ": expected an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

class Parser {
 public:
  Parser(std::string file, std::string prefix) : file_(std::move(file)), prefix_(std::move(prefix)) {}

  View view(json& j, const std::string& path, const std::string& pipeline) {
    check_object(j, file_, path, {{"id", "string", true}, {"title", "string"}, {"datasets", "array", true}});
    View v;
    v.id = name(j["id"], path + ".id");
    v.title = j.value("title", v.id);
    v.pipeline = pipeline;
    std::set<std::string> ids;
    for (size_t i = 0; i < j["datasets"].size(); ++i) {
      const std::string at = path + ".datasets[" + std::to_string(i) + "]";
      v.datasets.push_back(dataset(j["datasets"][i], at));
      if (!ids.insert(v.datasets.back().id).second) fail(at + ".id", "\"" + v.datasets.back().id + "\" is declared twice");
    }
    if (v.datasets.empty()) fail(path + ".datasets", "expected at least one dataset");
    v.declared = j;
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw UserError(file_ + ": " + path + ": " + what);
  }

  std::string name(const json& j, const std::string& path) const {
    const std::string s = j.get<std::string>();
    if (!plain_name(s)) fail(path, "\"" + s + "\" may hold only letters, digits and _ (not first a digit)");
    return s;
  }

  Dataset dataset(json& j, const std::string& path) {
    check_object(j, file_, path,
                 {{"id", "string", true}, {"title", "string"}, {"table", "string", true}, {"where", "object"},
                  {"period", "object", true}, {"dimensions", "array"}, {"measures", "array", true},
                  {"quality", "object"}, {"charts", "array"}, {"tables", "array"}, {"validated", "string"}});
    Dataset d;
    d.id = name(j["id"], path + ".id");
    d.title = j.value("title", d.id);
    d.table = prefix_ + name(j["table"], path + ".table");
    j["table"] = d.table;
    if (j.contains("validated")) d.validated = prefix_ + name(j["validated"], path + ".validated");
    if (j.contains("where")) {
      for (auto it = j["where"].begin(); it != j["where"].end(); ++it) {
        name(json(it.key()), path + ".where");
        if (!it->is_string() && !it->is_number()) fail(path + ".where." + it.key(), "expected a string or a number");
      }
      d.where = j["where"];
    }
    period(j["period"], path + ".period", d);
    if (j.contains("dimensions"))
      for (size_t i = 0; i < j["dimensions"].size(); ++i) {
        const std::string at = path + ".dimensions[" + std::to_string(i) + "]";
        const json& x = j["dimensions"][i];
        check_object(x, file_, at, {{"column", "string", true}, {"label", "string"}, {"order", "array"}, {"default", "string"}});
        Dimension dim{name(x["column"], at + ".column"), x.value("label", x["column"].get<std::string>()), {}, x.value("default", "")};
        if (x.contains("order")) dim.order = strings(x["order"], file_, at + ".order");
        d.dimensions.push_back(std::move(dim));
      }
    for (size_t i = 0; i < j["measures"].size(); ++i) {
      const std::string at = path + ".measures[" + std::to_string(i) + "]";
      const json& x = j["measures"][i];
      check_object(x, file_, at,
                   {{"column", "string", true}, {"label", "string"}, {"unit", "string"}, {"format", "string"},
                    {"aggregate", "string"}, {"of", "string"}});
      Measure m{name(x["column"], at + ".column"), x.value("label", x["column"].get<std::string>()), x.value("unit", ""),
                x.value("format", "dec"), x.value("aggregate", ""), ""};
      static const std::set<std::string> formats = {"money", "int", "dec", "pct", "rate", "text"};
      if (!formats.count(m.format)) fail(at + ".format", "\"" + m.format + "\" is not one of money, int, dec, pct, rate, text");
      static const std::set<std::string> aggregates = {"sum", "count", "min", "max", "avg"};
      if (x.contains("aggregate") && !aggregates.count(m.aggregate))
        fail(at + ".aggregate", "\"" + m.aggregate + "\" is not one of sum, count, min, max, avg");
      if (x.contains("of")) {
        if (m.aggregate.empty()) fail(at + ".of", "only an aggregated measure (\"aggregate\") names a column to aggregate");
        m.of = name(x["of"], at + ".of");
      } else if (!m.aggregate.empty() && m.aggregate != "count") {
        m.of = m.column;  // the table's column of the same name
      }
      if (!d.measures.empty() && m.aggregate.empty() != d.measures.front().aggregate.empty())
        fail(at + ".aggregate", "either every measure of a dataset is aggregated or none is");
      d.measures.push_back(std::move(m));
    }
    if (d.measures.empty()) fail(path + ".measures", "expected at least one measure");
    if (d.aggregated())  // the groups' columns and the measures' names are one row's names
      for (const auto& m : d.measures)
        if (d.dimension(m.column) || m.column == d.period_column)
          fail(path + ".measures", "\"" + m.column + "\" names both a measure and the period or a dimension");
    if (j.contains("quality")) {
      const json& q = j["quality"];
      check_object(q, file_, path + ".quality", {{"column", "string", true}, {"dim", "array"}, {"gap", "array"}});
      d.quality_column = name(q["column"], path + ".quality.column");
      if (d.aggregated()) fail(path + ".quality", "an aggregated dataset has no per-figure quality column");
      if (q.contains("dim")) d.quality_dim = strings(q["dim"], file_, path + ".quality.dim");
      if (q.contains("gap")) d.quality_gap = strings(q["gap"], file_, path + ".quality.gap");
    }
    if (j.contains("charts"))
      for (size_t i = 0; i < j["charts"].size(); ++i) {
        const std::string at = path + ".charts[" + std::to_string(i) + "]";
        const json& c = j["charts"][i];
        check_object(c, file_, at, {{"id", "string", true}, {"title", "string"}, {"measure", "string", true}, {"series", "string"}});
        name(c["id"], at + ".id");
        if (!d.measure(c["measure"])) fail(at + ".measure", "\"" + c["measure"].get<std::string>() + "\" is not a declared measure");
        if (c.contains("series") && !d.dimension(c["series"]))
          fail(at + ".series", "\"" + c["series"].get<std::string>() + "\" is not a declared dimension");
      }
    if (j.contains("tables"))
      for (size_t i = 0; i < j["tables"].size(); ++i) {
        const std::string at = path + ".tables[" + std::to_string(i) + "]";
        const json& t = j["tables"][i];
        check_object(t, file_, at, {{"id", "string", true}, {"title", "string"}, {"rows", "string", true}, {"columns", "array", true}});
        name(t["id"], at + ".id");
        if (!d.dimension(t["rows"])) fail(at + ".rows", "\"" + t["rows"].get<std::string>() + "\" is not a declared dimension");
        for (const auto& c : strings(t["columns"], file_, at + ".columns"))
          if (!d.measure(c)) fail(at + ".columns", "\"" + c + "\" is not a declared measure");
      }
    d.charts = j.value("charts", json::array());
    d.tables = j.value("tables", json::array());
    return d;
  }

  void period(const json& p, const std::string& path, Dataset& d) const {
    check_object(p, file_, path, {{"column", "string", true}, {"cadence", "string"}, {"month", "integer"}, {"due_months", "integer"}});
    d.period_column = name(p["column"], path + ".column");
    d.cadence.kind = p.value("cadence", "monthly");
    if (d.cadence.kind != "monthly" && d.cadence.kind != "yearly")
      fail(path + ".cadence", "\"" + d.cadence.kind + "\" is not monthly or yearly");
    d.cadence.month = p.value("month", 12);
    d.cadence.due_months = p.value("due_months", 3);
    if (d.cadence.month < 1 || d.cadence.month > 12) fail(path + ".month", "expected 1..12");
    if (d.cadence.due_months < 0 || d.cadence.due_months > 24) fail(path + ".due_months", "expected 0..24");
  }

  std::string file_, prefix_;
};

}  // namespace

const Measure* Dataset::measure(const std::string& column) const {
  for (const auto& m : measures)
    if (m.column == column) return &m;
  return nullptr;
}

const Dimension* Dataset::dimension(const std::string& column) const {
  for (const auto& d : dimensions)
    if (d.column == column) return &d;
  return nullptr;
}

std::vector<View> parse_views(const json& views, const std::string& table_prefix, const std::string& pipeline,
                              const std::string& file) {
  if (!views.is_array()) throw UserError(file + ": views: expected an array");
  Parser parser(file, table_prefix);
  std::vector<View> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < views.size(); ++i) {
    json copy = views[i];
    const std::string at = "views[" + std::to_string(i) + "]";
    out.push_back(parser.view(copy, at, pipeline));
    if (!ids.insert(out.back().id).second) throw UserError(file + ": " + at + ".id: \"" + out.back().id + "\" is declared twice");
  }
  return out;
}

void link_validated_views(std::vector<View>& views, const std::map<std::string, std::string>& view_of_table) {
  for (auto& v : views)
    for (size_t i = 0; i < v.datasets.size(); ++i) {
      auto& d = v.datasets[i];
      const auto it = view_of_table.find(d.table);
      if (it == view_of_table.end()) continue;
      d.validated = it->second;
      v.declared["datasets"][i]["validated"] = it->second;
    }
}

json views_to_json(const std::vector<View>& views) {
  json out = json::array();
  for (const auto& v : views) out.push_back(v.declared);
  return out;
}

}  // namespace analytica
