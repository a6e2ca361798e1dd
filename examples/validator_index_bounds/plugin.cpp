// validator_index_bounds: checks a price-index column, row by row.
//   index_bounds.range  the value lies in [minimum, maximum]; a NULL value
//                       passes only if the row's status column says why
//                       (StatCan's "..", "x", "F");
//   index_bounds.jump   against the previous month of the same series in the
//                       same batch, the value moves by at most
//                       max_monthly_change_percent.
// A series is the row's key columns other than the period column. Only
// batches of the configured table are checked ("" = any table having the
// value column). Results go through host->report_check_values() when the
// host offers it (ABI 1.2), else host->report_check().
//
// An example of an analytica plugin built against the installed SDK only.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>

namespace {
using analytica::Failure;

struct Validator {
  const analytica_host* host = nullptr;
  std::string table, column, period_column, status_column;
  double minimum = 0, maximum = 0, max_change = 0, failure_confidence = 0.4;
};

const analytica_setting kSettings[] = {
    {"table", "string", "\"\"", 0, "table to check (with the pipeline's prefix); \"\" = any with the column"},
    {"column", "string", "\"value\"", 0, "the index column (DOUBLE)"},
    {"period_column", "string", "\"ref_date\"", 0, "the key column holding the month (YYYY-MM)"},
    {"status_column", "string", "\"status\"", 0, "column explaining a missing value (\"\" = none)"},
    {"minimum", "number", "1", 0, "lowest plausible index value"},
    {"maximum", "number", "400", 0, "highest plausible index value"},
    {"max_monthly_change_percent", "number", "5", 0, "largest plausible move from the previous month"},
    {"failure_confidence", "number", "0.4", 0, "confidence a failed check gives the record"},
};

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    const auto s = nlohmann::json::parse(settings_json);
    auto v = std::make_unique<Validator>();
    v->host = host;
    v->table = s.value("table", "");
    v->column = s.value("column", "value");
    v->period_column = s.value("period_column", "ref_date");
    v->status_column = s.value("status_column", "status");
    v->minimum = s.value("minimum", 1.0);
    v->maximum = s.value("maximum", 400.0);
    v->max_change = s.value("max_monthly_change_percent", 5.0);
    v->failure_confidence = s.value("failure_confidence", 0.4);
    if (v->minimum > v->maximum) throw Failure(ANALYTICA_ERR_INVALID, "minimum is greater than maximum");
    *out = v.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Validator*>(self); }

analytica_value number(double d) {
  analytica_value v{};
  v.type = ANALYTICA_DOUBLE;
  v.as.d = d;
  return v;
}

// Reports one check, with its measured values where the host can take them.
void report(const Validator& v, uint64_t row, const char* check, bool passed, const std::string& reason,
            const analytica_check_values& values) {
  const analytica_host* h = v.host;
  const double confidence = passed ? 1.0 : v.failure_confidence;
  const bool has_values = h->struct_size > offsetof(analytica_host, report_check_values) && h->report_check_values;
  const analytica_status s =
      has_values ? h->report_check_values(h->ctx, row, check, passed, confidence, reason.c_str(), &values)
                 : h->report_check(h->ctx, row, check, passed, confidence, reason.c_str());
  if (s < 0) throw Failure(s, std::string("report_check ") + check + " refused");
}

std::string text_of(const analytica_value& v) {
  return v.type == ANALYTICA_TEXT ? std::string(v.as.text.ptr, static_cast<size_t>(v.as.text.len)) : "";
}

std::string format(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

analytica_status validate(void* self, const analytica_batch* batch) {
  auto* v = static_cast<Validator*>(self);
  return analytica::guard(v->host, [&] {
    const analytica_table_schema& schema = *batch->schema;
    if (!v->table.empty() && v->table != (schema.table ? schema.table : "")) return ANALYTICA_OK;
    int col = -1, period = -1, status = -1;
    for (uint32_t c = 0; c < schema.column_count; ++c) {
      if (v->column == schema.columns[c].name) col = static_cast<int>(c);
      if (v->period_column == schema.columns[c].name) period = static_cast<int>(c);
      if (v->status_column == schema.columns[c].name) status = static_cast<int>(c);
    }
    if (col < 0) {
      if (v->table.empty()) return ANALYTICA_OK;
      throw Failure(ANALYTICA_ERR_INVALID, v->table + " has no column " + v->column);
    }
    const uint32_t n = schema.column_count;
    std::map<std::string, std::map<std::string, double>> series;  // series key -> period -> value
    for (uint64_t r = 0; r < batch->row_count; ++r) {
      const analytica_value* row = batch->values + r * n;
      const analytica_value& x = row[col];
      analytica_check_values cv{};
      cv.struct_size = sizeof cv;
      cv.column = v->column.c_str();
      cv.observed = x;
      cv.minimum = number(v->minimum);
      cv.maximum = number(v->maximum);
      if (x.type == ANALYTICA_NULL) {
        const std::string why = status >= 0 ? text_of(row[status]) : "";
        report(*v, r, "index_bounds.range", !why.empty(),
               why.empty() ? "no value and no status saying why" : "", cv);
        continue;
      }
      const double d = x.type == ANALYTICA_DOUBLE ? x.as.d : static_cast<double>(x.as.i);
      const bool in_range = d >= v->minimum && d <= v->maximum;
      report(*v, r, "index_bounds.range", in_range,
             in_range ? "" : v->column + " " + format(d) + " outside [" + format(v->minimum) + ", " +
                                 format(v->maximum) + "]",
             cv);
      if (period < 0) continue;
      std::string key;
      for (uint32_t c = 0; c < n; ++c)
        if ((schema.columns[c].flags & ANALYTICA_COLUMN_KEY) && static_cast<int>(c) != period)
          key += text_of(row[c]) + "|";
      series[key][text_of(row[period])] = d;
      // The previous month, if this batch holds it.
      const std::string month = text_of(row[period]);
      if (month.size() != 7) continue;
      int y = std::atoi(month.substr(0, 4).c_str()), m = std::atoi(month.substr(5, 2).c_str()) - 1;
      if (m == 0) { m = 12; --y; }
      char prev[16];
      std::snprintf(prev, sizeof prev, "%04d-%02d", y, m);
      const auto& s = series[key];
      const auto it = s.find(prev);
      if (it == s.end() || it->second == 0) continue;
      const double change = (d - it->second) / it->second * 100.0;
      const bool ok = std::fabs(change) <= v->max_change;
      analytica_check_values jump = cv;
      jump.expected = number(it->second);
      jump.minimum = number(it->second * (1 - v->max_change / 100));
      jump.maximum = number(it->second * (1 + v->max_change / 100));
      report(*v, r, "index_bounds.jump", ok,
             ok ? "" : v->column + " moved " + format(change) + " % from " + prev + " (" + format(it->second) +
                           " -> " + format(d) + "; at most " + format(v->max_change) + " %)",
             jump);
    }
    return ANALYTICA_OK;
  });
}

const analytica_validator_v1 kValidator = {sizeof(analytica_validator_v1), validate};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_VALIDATOR, "validator_index_bounds", "1.0.0",
                 "a price index lies in plausible bounds and moves plausibly month to month", kSettings, create,
                 destroy, {ANALYTICA_VALIDATOR_V1, &kValidator})
