#include "cli/store_options.h"

#include "run/config.h"
#include "run/sql.h"
#include "run/store.h"
#include "run/util.h"

#include <boost/program_options.hpp>

namespace analytica {
namespace po = boost::program_options;

void add_health_options(po::options_description& options) {
  add_store_option(options);
  options.add_options()
      ("table-prefix", po::value<std::string>(),
       "prefix of the data tables (default: the pipeline's table_prefix)")
      ("grace-days", po::value<int>()->default_value(7),
       "days into a month after which last month's report must be in (0..27)")
      ("min-free-mb", po::value<double>()->default_value(100), "less free disk space than this is failing")
      ("today", po::value<std::string>(), "judge freshness as of this date, YYYY-MM-DD (default: today, UTC)");
}

HealthOptions health_options(const po::variables_map& vm, const Settings& settings) {
  HealthOptions o;
  o.data_dir = settings.data_dir;
  o.database = settings.database;
  o.fetch_warn_days = settings.fetch_warn_days;
  const std::string file = pipeline_option(vm);
  if (!file.empty()) {
    const Pipeline p = load_pipeline(file, settings);
    o.table_prefix = p.table_prefix;
    o.views = p.views;
    const auto& sink = p.sinks.front().settings;
    // A sink with a file of its own names it in "path" (for disk use only).
    o.database = sink.contains("path") && sink["path"].is_string() ? std::filesystem::path(sink["path"].get<std::string>())
                                                                   : std::filesystem::path();
  }
  if (vm.count("table-prefix")) {
    o.table_prefix = vm["table-prefix"].as<std::string>();
    if (!o.table_prefix.empty() && !plain_name(o.table_prefix))
      throw UserError("--table-prefix: \"" + o.table_prefix + "\" may hold only letters, digits and _");
  }
  o.grace_days = vm["grace-days"].as<int>();
  if (o.grace_days < 0 || o.grace_days > 27)
    throw UserError("--grace-days: " + std::to_string(o.grace_days) + " is out of range 0..27");
  o.min_free_mb = vm["min-free-mb"].as<double>();
  if (!(o.min_free_mb >= 0)) throw UserError("--min-free-mb: expected a number >= 0");
  if (vm.count("today")) {
    o.today = vm["today"].as<std::string>();
    if (!parse_utc(*o.today) || o.today->size() != 10)
      throw UserError("--today: \"" + *o.today + "\" is not a date YYYY-MM-DD");
  }
  return o;
}

std::unique_ptr<Store> open_store(const Settings& settings, const std::string& pipeline_file, std::string* error) {
  try {
    return std::make_unique<Store>(settings, pipeline_file);
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return nullptr;
  }
}

}  // namespace analytica
