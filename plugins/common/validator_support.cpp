// validator_support.cpp — see validator_support.h.
#include "validator_support.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace analytica::validator {

std::optional<double> number(const Cell& cell) {
  if (cell.type == ANALYTICA_INT64) return static_cast<double>(cell.i);
  if (cell.type == ANALYTICA_DOUBLE) return cell.d;
  return std::nullopt;
}

std::optional<double> number(const std::vector<Cell>& row, int column) {
  if (column < 0) return std::nullopt;
  return number(row[static_cast<size_t>(column)]);
}

const std::string& text_of(const std::vector<Cell>& row, int column) {
  static const std::string empty;
  return column >= 0 && row[static_cast<size_t>(column)].type == ANALYTICA_TEXT ? row[static_cast<size_t>(column)].text
                                                                                 : empty;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::optional<std::string> table_prefix(const std::string& table, const std::string& name) {
  if (!ends_with(table, name)) return std::nullopt;
  return table.substr(0, table.size() - name.size());
}

std::string show(double value, int decimals) {
  char buf[64];
  if (std::fabs(value - std::round(value)) < 1e-9 && std::fabs(value) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", value);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string sql_name(const std::string& name) {
  bool plain = !name.empty();
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!plain) throw Failure(ANALYTICA_ERR_INVALID, "\"" + name + "\" is not a plain table or column name");
  return "\"" + name + "\"";
}

void Outcome::fail(const std::string& problem, const std::string& observed_value, const std::string& expected_value) {
  if (problems.empty()) {
    observed = observed_value;
    expected = expected_value;
  }
  problems.push_back(problem);
}

void Instance::report(uint64_t row, const std::string& check, bool passed, double confidence,
                      const std::string& reason, const std::string& observed, const std::string& expected) const {
  const char* why = reason.empty() ? nullptr : reason.c_str();
  analytica_status s;
  if (host->struct_size > offsetof(analytica_host, report_check_values) && host->report_check_values) {
    // The cells must outlive the call: value_of() borrows their text.
    const Cell observed_cell = observed.empty() ? Cell::null() : Cell::of(observed);
    const Cell expected_cell = expected.empty() ? Cell::null() : Cell::of(expected);
    analytica_check_values values{};
    values.struct_size = sizeof values;
    values.observed = value_of(observed_cell);
    values.expected = value_of(expected_cell);
    s = host->report_check_values(host->ctx, row, check.c_str(), passed ? 1 : 0, confidence, why, &values);
  } else {
    s = host->report_check(host->ctx, row, check.c_str(), passed ? 1 : 0, confidence, why);  // a 1.1 host
  }
  if (s < 0) throw Failure(s, "report_check " + check + " refused for row " + std::to_string(row));
}

void Instance::report(uint64_t row, const std::string& check, const Outcome& outcome) const {
  if (outcome.passed()) return report(row, check, true, 1.0, "");
  std::string reason;
  for (const auto& p : outcome.problems) reason += (reason.empty() ? "" : "; ") + p;
  report(row, check, false, failure_confidence, reason, outcome.observed, outcome.expected);
}

std::vector<std::string> string_list(const json& list, const std::string& setting) {
  std::vector<std::string> out;
  for (const auto& x : list) {
    if (!x.is_string()) throw Failure(ANALYTICA_ERR_INVALID, "setting " + setting + ": expected strings");
    out.push_back(x.get<std::string>());
  }
  return out;
}

double unit_setting(const json& settings, const char* key) {
  const double d = settings.at(key).get<double>();
  if (!(d >= 0 && d <= 1))
    throw Failure(ANALYTICA_ERR_INVALID, std::string("setting ") + key + ": expected a number from 0 to 1");
  return d;
}

std::string name_setting(const json& settings, const char* key) {
  std::string name = settings.at(key).get<std::string>();
  sql_name(name);
  return name;
}

analytica_status create_instance(Factory make, const analytica_host* host, const char* settings_json, void** out) {
  return guard(host, [&] {
    const json settings = json::parse(settings_json);
    std::unique_ptr<Instance> v = make(settings);
    v->host = host;
    v->failure_confidence = unit_setting(settings, "failure_confidence");
    *out = v.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Instance*>(self); }

namespace {

analytica_status validate(void* self, const analytica_batch* batch) {
  auto* v = static_cast<Instance*>(self);
  return guard(v->host, [&] {
    v->validate(Batch::copy_of(read_sized(batch)));
    return ANALYTICA_OK;
  });
}

const analytica_validator_v1 kValidator = {sizeof(analytica_validator_v1), validate};

}  // namespace

const void* get_interface(const char* id) { return find_interface(id, {{ANALYTICA_VALIDATOR_V1, &kValidator}}); }

}  // namespace analytica::validator
