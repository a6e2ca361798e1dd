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
// A failed sum is reported on the total row. Rules are settings. A sum may
// be limited to the rows a `where` selects ({column: value or [values]}),
// and `skip_blank_parts` leaves a total unjudged when one of its parts is
// blank (a suppressed figure), instead of summing the parts that remain.
#include "settings_table.h"
#include "validator_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
using namespace analytica::validator;

struct Derived {
  std::string check, column, numerator, denominator;
  double scale = 1;
};

struct Sum {
  std::string check, table, part_column, total;
  std::vector<std::string> columns;
  double above_pct = 0, below_pct = 0, min_difference = 0;
  std::vector<std::pair<std::string, std::vector<json>>> where;  // column -> accepted values
  bool skip_blank_parts = false;
};

// Does the row hold one of the accepted values in every column of `where`?
bool selected(const Batch& batch, size_t r, const Sum& s) {
  for (const auto& [column, accepted] : s.where) {
    const int c = batch.schema().index_of(column);
    if (c < 0) return false;
    const Cell& cell = batch.row(r)[static_cast<size_t>(c)];
    bool any = false;
    for (const auto& a : accepted) {
      if (a.is_string()) any = any || (cell.type == ANALYTICA_TEXT && cell.text == a.get<std::string>());
      else if (a.is_number()) any = any || (number(cell) && *number(cell) == a.get<double>());
    }
    if (!any) return false;
  }
  return true;
}

struct Validator final : Instance {
  double tolerance = 0.0051;
  std::vector<Derived> derived;
  std::vector<Sum> sums;
  void validate(const Batch& batch) override;
};

void check_derived(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  for (const auto& d : v.derived) {
    const int col = schema.index_of(d.column), num = schema.index_of(d.numerator), den = schema.index_of(d.denominator);
    if (col < 0 || num < 0 || den < 0) continue;
    for (size_t r = 0; r < batch.row_count(); ++r) {
      const auto& row = batch.row(r);
      const auto printed = number(row, col), n = number(row, num), q = number(row, den);
      if (!printed || !n || !q || *q == 0) continue;  // blank or not computable: nothing to compare
      const double computed = *n / *q * d.scale;
      Outcome o;
      if (!(std::fabs(*printed - computed) <= v.tolerance))
        o.fail(d.column + " " + show(*printed) + " but " + d.numerator + " / " + d.denominator +
                   (d.scale != 1 ? " x " + show(d.scale) : "") + " = " + show(*n) + " / " + show(*q) +
                   (d.scale != 1 ? " x " + show(d.scale) : "") + " = " + show(computed, 4),
               show(*printed), show(computed, 4) + " +- " + show(v.tolerance, 4));
      v.report(r, d.check, o);
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
      if (!selected(batch, r, s)) continue;
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
      Outcome o;
      for (const auto& column : s.columns) {
        const int c = schema.index_of(column);
        const auto total = number(batch.row(*total_row), c);
        if (!total) continue;
        double sum = 0;
        size_t counted = 0, blank = 0;
        for (size_t r : rows)
          if (r != *total_row) {
            if (auto x = number(batch.row(r), c)) { sum += *x; ++counted; }
            else ++blank;
          }
        if (counted == 0 || (s.skip_blank_parts && blank > 0)) continue;
        const double high = *total * (1 + s.above_pct / 100);
        const double low = std::min(*total * (1 - s.below_pct / 100), *total - s.min_difference);
        const std::string parts = std::to_string(counted) + " " + s.part_column + " rows";
        if (sum > high + 1e-9 || sum < low - 1e-9)
          o.fail(column + ": " + parts + " sum to " + show(sum) + (sum > high ? ", above " : ", below ") + s.total +
                     " " + show(*total) +
                     (sum > high ? (s.above_pct > 0 ? " by more than " + show(s.above_pct) + "%" : "")
                                 : " by more than " + show(s.below_pct) + "%"),
                 show(sum), show(low) + " .. " + show(high));
      }
      v.report(*total_row, s.check, o);
    }
  }
}

void Validator::validate(const Batch& batch) {
  check_derived(*this, batch);
  check_sums(*this, batch);
}

std::unique_ptr<Instance> configure(const json& s) {
  auto v = std::make_unique<Validator>();
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
    for (const auto& x : s.at("sums")) {
      Sum sum{x.at("check").get<std::string>(), x.at("table").get<std::string>(),
              x.at("part_column").get<std::string>(), x.at("total").get<std::string>(),
              string_list(x.at("columns"), "sums[].columns"), x.value("above_pct", 0.0),
              x.value("below_pct", 0.0), x.value("min_difference", 0.0), {}, x.value("skip_blank_parts", false)};
      if (x.contains("where")) {
        const json& w = x.at("where");
        if (!w.is_object()) throw Failure(ANALYTICA_ERR_INVALID, "setting sums[].where: expected {column: values}");
        for (auto it = w.begin(); it != w.end(); ++it) {
          std::vector<json> accepted;
          for (const json& a : it->is_array() ? *it : json::array({*it})) {
            if (!a.is_string() && !a.is_number())
              throw Failure(ANALYTICA_ERR_INVALID, "setting sums[].where." + it.key() + ": expected text or numbers");
            accepted.push_back(a);
          }
          sum.where.emplace_back(it.key(), std::move(accepted));
        }
      }
      v->sums.push_back(std::move(sum));
    }
  } catch (const json::exception& e) {
    throw Failure(ANALYTICA_ERR_INVALID, std::string("setting sums: expected [{check, table, part_column, total, "
                                                     "columns, above_pct, below_pct, min_difference, where, "
                                                     "skip_blank_parts}]: ") + e.what());
  }
  return v;
}

}  // namespace

ANALYTICA_VALIDATOR_PLUGIN("validator_arithmetic", "1.0.0",
                           "derived values (ratio, months of supply) and parts against totals inside a report",
                           validator_arithmetic::kSettings, configure)
