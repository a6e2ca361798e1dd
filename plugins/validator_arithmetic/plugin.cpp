// validator_arithmetic: arithmetic inside one report.
//   derived values  a printed value equals numerator / denominator x scale
//                   within the report's rounding (2 decimals: a tolerance
//                   slightly above 0.005, as exact ties like 1.825 -> 1.83
//                   occur): sales-to-new-listings ratio, months of supply
//   sums            parts against their total row, per group of the other
//                   key columns: the eight districts against TOTAL CITY
//                   (they may fall short of it — areas not yet assigned to a
//                   district — but not exceed it), the four property types
//                   against Total
// A failed sum is reported on the total row. Rules are settings.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using nlohmann::json;

const analytica_setting kSettings[] = {
    {"tolerance", "number", "0.0051", 0,
     "largest accepted |printed - computed| for derived values (printed to 2 decimals, ties rounded away)"},
    {"derived", "array",
     R"([{"check": "arithmetic.ratio", "column": "sales_to_new_listings_ratio_pct", "numerator": "sales",)"
     R"( "denominator": "new_listings", "scale": 100},)"
     R"( {"check": "arithmetic.months_of_supply", "column": "months_of_supply", "numerator": "inventory",)"
     R"( "denominator": "sales", "scale": 1}])",
     0, "derived columns: {check, column, numerator, denominator, scale}"},
    {"sums", "array",
     R"([{"check": "arithmetic.district_sum", "table": "district_monthly", "part_column": "district",)"
     R"( "total": "TOTAL CITY", "columns": ["sales", "new_listings", "inventory"], "above_pct": 0,)"
     R"( "below_pct": 10, "min_difference": 5},)"
     R"( {"check": "arithmetic.type_sum", "table": "city_monthly", "part_column": "property_type",)"
     R"( "total": "Total", "columns": ["sales", "new_listings", "inventory"], "above_pct": 0,)"
     R"( "below_pct": 0, "min_difference": 0}])",
     0,
     "parts against their total row: {check, table (without prefix), part_column, total, columns, above_pct, "
     "below_pct, min_difference}; the parts may exceed the total by above_pct % and fall short of it by "
     "below_pct % (shortfalls up to min_difference always pass)"},
    {"failure_confidence", "number", "0.3", 0, "confidence a failed check gives its row"},
};

struct Derived {
  std::string check, column, numerator, denominator;
  double scale = 1;
};

struct Sum {
  std::string check, table, part_column, total;
  std::vector<std::string> columns;
  double above_pct = 0, below_pct = 0, min_difference = 0;
};

struct Validator {
  const analytica_host* host;
  double tolerance = 0.0051;
  std::vector<Derived> derived;
  std::vector<Sum> sums;
  double failure_confidence = 0.3;
};

std::optional<double> number(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return static_cast<double>(c.i);
  if (c.type == ANALYTICA_DOUBLE) return c.d;
  return std::nullopt;
}

std::string show(double v, int decimals = 2) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void report(const Validator& v, uint64_t row, const std::string& check, const std::vector<std::string>& problems,
            const std::string& observed, const std::string& expected) {
  std::string reason;
  for (const auto& p : problems) reason += (reason.empty() ? "" : "; ") + p;
  if (!reason.empty()) reason = analytica::check_reason(reason, observed, expected);
  const analytica_status s =
      v.host->report_check(v.host->ctx, row, check.c_str(), problems.empty() ? 1 : 0,
                           problems.empty() ? 1.0 : v.failure_confidence, reason.empty() ? nullptr : reason.c_str());
  if (s < 0) throw Failure(s, "report_check " + check + " refused for row " + std::to_string(row));
}

void check_derived(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  for (const auto& d : v.derived) {
    const int col = schema.index_of(d.column), num = schema.index_of(d.numerator), den = schema.index_of(d.denominator);
    if (col < 0 || num < 0 || den < 0) continue;
    for (size_t r = 0; r < batch.row_count(); ++r) {
      const auto& row = batch.row(r);
      const auto printed = number(row[static_cast<size_t>(col)]);
      const auto n = number(row[static_cast<size_t>(num)]);
      const auto q = number(row[static_cast<size_t>(den)]);
      if (!printed || !n || !q || *q == 0) continue;  // blank or not computable: nothing to compare
      const double computed = *n / *q * d.scale;
      std::vector<std::string> problems;
      if (!(std::fabs(*printed - computed) <= v.tolerance))
        problems.push_back(d.column + " " + show(*printed) + " but " + d.numerator + " / " + d.denominator +
                           (d.scale != 1 ? " x " + show(d.scale) : "") + " = " + show(*n) + " / " + show(*q) +
                           (d.scale != 1 ? " x " + show(d.scale) : "") + " = " + show(computed, 4));
      report(v, r, d.check, problems, show(*printed), show(computed, 4) + " +- " + show(v.tolerance, 4));
    }
  }
}

void check_sums(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  const auto& cols = schema.columns();
  for (const auto& s : v.sums) {
    if (!ends_with(schema.table(), s.table)) continue;
    const int part = schema.index_of(s.part_column);
    if (part < 0) continue;
    // Group rows by the other key columns (month, property type...).
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t r = 0; r < batch.row_count(); ++r) {
      std::string g;
      for (size_t c = 0; c < cols.size(); ++c)
        if ((cols[c].flags & ANALYTICA_COLUMN_KEY) && static_cast<int>(c) != part) {
          const Cell& k = batch.row(r)[c];
          g += (k.type == ANALYTICA_TEXT ? k.text : std::to_string(k.i)) + "|";
        }
      groups[g].push_back(r);
    }
    for (const auto& [group, rows] : groups) {
      std::optional<size_t> total_row;
      for (size_t r : rows)
        if (batch.row(r)[static_cast<size_t>(part)].type == ANALYTICA_TEXT &&
            batch.row(r)[static_cast<size_t>(part)].text == s.total)
          total_row = r;
      if (!total_row || rows.size() < 2) continue;
      std::vector<std::string> problems;
      std::string observed, expected;
      for (const auto& column : s.columns) {
        const int c = schema.index_of(column);
        if (c < 0) continue;
        const auto total = number(batch.row(*total_row)[static_cast<size_t>(c)]);
        if (!total) continue;
        double sum = 0;
        size_t counted = 0;
        for (size_t r : rows)
          if (r != *total_row)
            if (auto x = number(batch.row(r)[static_cast<size_t>(c)])) { sum += *x; ++counted; }
        if (counted == 0) continue;
        const double high = *total * (1 + s.above_pct / 100);
        const double low = std::min(*total * (1 - s.below_pct / 100), *total - s.min_difference);
        const std::string parts = std::to_string(counted) + " " + s.part_column + " rows";
        if (sum > high + 1e-9 || sum < low - 1e-9) {
          if (problems.empty()) {
            observed = show(sum);
            expected = show(low) + " .. " + show(high);
          }
          problems.push_back(column + ": " + parts + " sum to " + show(sum) + (sum > high ? ", above " : ", below ") +
                             s.total + " " + show(*total) +
                             (sum > high ? (s.above_pct > 0 ? " by more than " + show(s.above_pct) + "%" : "")
                                         : " by more than " + show(s.below_pct) + "%"));
        }
      }
      report(v, *total_row, s.check, problems, observed, expected);
    }
  }
}

std::vector<std::string> strings(const json& a, const std::string& what) {
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (!x.is_string()) throw Failure(ANALYTICA_ERR_INVALID, "setting " + what + ": expected strings");
    out.push_back(x.get<std::string>());
  }
  return out;
}

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    const json s = json::parse(settings_json);
    auto v = std::make_unique<Validator>();
    v->host = host;
    v->tolerance = s.at("tolerance").get<double>();
    if (!(v->tolerance >= 0)) throw Failure(ANALYTICA_ERR_INVALID, "setting tolerance: expected a number >= 0");
    try {
      for (const auto& d : s.at("derived"))
        v->derived.push_back({d.at("check").get<std::string>(), d.at("column").get<std::string>(),
                              d.at("numerator").get<std::string>(), d.at("denominator").get<std::string>(),
                              d.value("scale", 1.0)});
    } catch (const json::exception& e) {
      throw Failure(ANALYTICA_ERR_INVALID, std::string("setting derived: expected [{check, column, numerator, "
                                                       "denominator, scale}]: ") + e.what());
    }
    try {
      for (const auto& x : s.at("sums"))
        v->sums.push_back({x.at("check").get<std::string>(), x.at("table").get<std::string>(),
                           x.at("part_column").get<std::string>(), x.at("total").get<std::string>(),
                           strings(x.at("columns"), "sums[].columns"), x.value("above_pct", 0.0),
                           x.value("below_pct", 0.0), x.value("min_difference", 0.0)});
    } catch (const json::exception& e) {
      throw Failure(ANALYTICA_ERR_INVALID, std::string("setting sums: expected [{check, table, part_column, total, "
                                                       "columns, above_pct, below_pct, min_difference}]: ") + e.what());
    }
    v->failure_confidence = s.at("failure_confidence").get<double>();
    if (!(v->failure_confidence >= 0 && v->failure_confidence <= 1))
      throw Failure(ANALYTICA_ERR_INVALID, "setting failure_confidence: expected a number from 0 to 1");
    *out = v.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Validator*>(self); }

analytica_status validate(void* self, const analytica_batch* batch) {
  auto* v = static_cast<Validator*>(self);
  return analytica::guard(v->host, [&] {
    const Batch b = Batch::copy_of(analytica::read_sized(batch));
    check_derived(*v, b);
    check_sums(*v, b);
    return ANALYTICA_OK;
  });
}

const analytica_validator_v1 kValidator = {sizeof(analytica_validator_v1), validate};

const void* get_interface(const char* id) {
  return std::strcmp(id, ANALYTICA_VALIDATOR_V1) == 0 ? &kValidator : nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_VALIDATOR,
    "validator_arithmetic", "1.0.0", "derived values (ratio, months of supply) and parts against totals inside a report",
    kSettings, sizeof kSettings / sizeof kSettings[0], create, destroy, get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
