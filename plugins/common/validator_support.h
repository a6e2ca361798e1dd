// validator_support.h — what the project's validator plugins share: reading
// typed cells, finding a batch's table under the pipeline's prefix,
// formatting figures, quoting SQL names, reporting a check with its observed
// and expected values, reading settings, and the guarded create / destroy /
// validate glue with the descriptor around it.
//
// Compiled into each validator (static library analytica_validator_common);
// nothing here crosses the ABI — only analytica.h's structs do, through the
// descriptor and interface tables built below.
#ifndef ANALYTICA_VALIDATOR_SUPPORT_H
#define ANALYTICA_VALIDATOR_SUPPORT_H

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace analytica::validator {

// The types a validator works with, so that `using namespace
// analytica::validator;` is all a plugin needs.
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using nlohmann::json;

// ------------------------------------------------------------ reading cells

// An integer or real cell as a double; nullopt for text and blanks.
std::optional<double> number(const Cell& cell);

// number() of the row's cell in `column`; nullopt when column < 0 (a column
// the batch does not have, as Schema::index_of returns it).
std::optional<double> number(const std::vector<Cell>& row, int column);

// The row's text in `column`; "" when column < 0 or the cell is not text.
// The reference lives as long as the row.
const std::string& text_of(const std::vector<Cell>& row, int column);

bool ends_with(const std::string& s, const std::string& tail);

// Tables arrive named with the pipeline's prefix ("housing_city_monthly");
// settings name them as the extractor declares them ("city_monthly"). The
// prefix when `table` is `name` under one, else nullopt.
std::optional<std::string> table_prefix(const std::string& table, const std::string& name);

// ---------------------------------------------------------------- text

// A figure for a message: whole numbers without decimals, others with
// `decimals` ("1250", "1.83").
std::string show(double value, int decimals = 2);

// A table or column name as an SQL identifier ("\"name\""). Throws Failure
// (ANALYTICA_ERR_INVALID) unless the name is letters, digits and '_'. (Not
// called quoted(): for a non-const std::string argument, argument-dependent
// lookup would pick std::quoted from <iomanip>, which checks nothing.)
std::string sql_name(const std::string& name);

// ------------------------------------------------------------- reporting

// One check's outcome on one row, gathered over the columns it looks at:
// every problem, and the observed and expected values of the first one.
struct Outcome {
  std::vector<std::string> problems;
  std::string observed, expected;
  void fail(const std::string& problem, const std::string& observed_value, const std::string& expected_value);
  bool passed() const { return problems.empty(); }
};

// One validator instance. A plugin derives its own (its settings as
// members), fills it in its factory, and checks batches in validate().
class Instance {
 public:
  virtual ~Instance() = default;

  // Checks one batch (an owned copy of the borrowed one) and reports every
  // check through report(). Throws to fail the call (see analytica::guard).
  virtual void validate(const Batch& batch) = 0;

  // host->report_check_values() for row `row` of the batch under
  // validation: reason, observed and expected may be "" (none); observed
  // and expected cross as values, never inside the reason. Throws Failure
  // if the host refuses.
  void report(uint64_t row, const std::string& check, bool passed, double confidence, const std::string& reason,
              const std::string& observed = "", const std::string& expected = "") const;

  // Reports an Outcome: passed with confidence 1 and no reason, or failed
  // with failure_confidence and the problems joined by "; ", the observed
  // and expected values of the first problem beside them.
  void report(uint64_t row, const std::string& check, const Outcome& outcome) const;

  // Both set by the glue after the factory, before validate(): the host, and
  // the confidence a failed check gives its row (the setting
  // failure_confidence, which every validator declares).
  const analytica_host* host = nullptr;
  double failure_confidence = 0.3;
};

// -------------------------------------------------------------- settings

// A JSON array of strings; Failure "setting <setting>: expected strings"
// otherwise.
std::vector<std::string> string_list(const json& list, const std::string& setting);

// settings[key] as a number from 0 to 1 (a confidence).
double unit_setting(const json& settings, const char* key);

// settings[key] as a plain table or column name (see sql_name()).
std::string name_setting(const json& settings, const char* key);

// ------------------------------------------------------------------ glue

// Builds an instance from the settings (a JSON object the host already
// checked against the plugin's analytica_setting table). Throws Failure
// with ANALYTICA_ERR_INVALID and "setting <name>: ..." on bad values.
using Factory = std::unique_ptr<Instance> (*)(const json& settings);

// The descriptor's entry points. create_instance() parses the settings
// JSON, calls make, then sets the instance's host and failure_confidence; it, and validate() of the analytica.validator/1
// table get_interface() hands out, run inside analytica::guard, so no
// exception crosses the ABI. destroy() deletes the Instance.
analytica_status create_instance(Factory make, const analytica_host* host, const char* settings_json, void** out);
void destroy(void* self);
const void* get_interface(const char* id);  // ANALYTICA_VALIDATOR_V1 only

template <Factory Make>
analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return create_instance(Make, host, settings_json, out);
}

// The plugin's descriptor: kind validator, this ABI version, the settings
// table, and the glue above around the factory Make.
template <Factory Make, size_t N>
constexpr analytica_plugin_descriptor descriptor(const char* name, const char* version, const char* description,
                                                 const analytica_setting (&settings)[N]) {
  return describe_plugin(ANALYTICA_KIND_VALIDATOR, name, version, description, settings, create<Make>, destroy,
                         get_interface);
}

}  // namespace analytica::validator

// Declares a whole validator plugin in one statement, at global scope, once
// per plugin: its descriptor (descriptor<make>) and the entry symbol.
//   ANALYTICA_VALIDATOR_PLUGIN("validator_x", "1.0.0", "what it checks", validator_x::kSettings, configure)
#define ANALYTICA_VALIDATOR_PLUGIN(name, version, description, settings, make)        \
  namespace analytica_plugin_declared {                                               \
  constexpr analytica_plugin_descriptor kDescriptor =                                 \
      ::analytica::validator::descriptor<make>(name, version, description, settings); \
  }                                                                                   \
  ANALYTICA_DEFINE_ENTRY(analytica_plugin_declared::kDescriptor)

#endif  // ANALYTICA_VALIDATOR_SUPPORT_H
