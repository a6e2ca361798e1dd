// Declared views (docs/views.md): what people read of the tables a pipeline
// writes — per dataset its table, period and cadence, dimensions, measures
// with units and formats, charts and tables. The dashboard, the JSON API,
// `status` freshness and `lineage` know a report family only through these.
//
// A pipeline file declares them under "views"; a run records them in the
// store (ANALYTICA_T_VIEWS), with table names already prefixed, so readers
// need no pipeline file.
#ifndef ANALYTICA_HOST_RUN_VIEWS_H
#define ANALYTICA_HOST_RUN_VIEWS_H

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace analytica {

struct Dimension {
  std::string column, label;
  std::vector<std::string> order;  // values first shown, in this order
  std::string default_value;       // "" = the first in order
};

struct Measure {
  std::string column, label, unit;
  std::string format = "dec";  // money | int | dec | pct | rate | text
  // An aggregated dataset's measure: sum | count | min | max | avg of the
  // table's column `of` (count: of its non-NULL values, or of the rows when
  // `of` is ""), per period and dimensions. "" = not aggregated.
  std::string aggregate;
  std::string of;
};

struct Cadence {
  std::string kind = "monthly";  // monthly | yearly
  int month = 12;                // yearly: the month a report covers
  int due_months = 3;            // yearly: months after `month` it is due
};

struct Dataset {
  std::string id, title;
  std::string table;           // as stored (prefixed)
  std::string validated;       // its validated view (prefixed), "" if none
  nlohmann::json where = nlohmann::json::object();  // column -> fixed value
  std::string period_column;   // "YYYY-MM" or "YYYY" text
  Cadence cadence;
  std::vector<Dimension> dimensions;
  std::vector<Measure> measures;
  std::string quality_column;  // "" = none
  std::vector<std::string> quality_dim, quality_gap;
  nlohmann::json charts = nlohmann::json::array();  // as declared (checked)
  nlohmann::json tables = nlohmann::json::array();

  // Whether the rows are groups (every measure has an aggregate) rather
  // than the table's rows.
  bool aggregated() const { return !measures.empty() && !measures.front().aggregate.empty(); }

  const Measure* measure(const std::string& column) const;
  const Dimension* dimension(const std::string& column) const;
};

struct View {
  std::string id, title, pipeline;
  std::vector<Dataset> datasets;
  nlohmann::json declared;  // the declaration, tables prefixed
};

// Parses and checks a pipeline's "views" array. table_prefix is applied to
// every dataset's table. Throws UserError naming `file` and the key path.
std::vector<View> parse_views(const nlohmann::json& views, const std::string& table_prefix,
                              const std::string& pipeline, const std::string& file);

// Names each dataset's validated view: view_of_table maps a data table to
// its validated view (both prefixed), from the pipeline's review block.
void link_validated_views(std::vector<View>& views, const std::map<std::string, std::string>& view_of_table);

// The declarations as recorded in the store (tables prefixed); read back
// with parse_views(recorded, "", pipeline, ...).
nlohmann::json views_to_json(const std::vector<View>& views);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_VIEWS_H
