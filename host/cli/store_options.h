// Options `analytica status` and `analytica serve` share: which store to
// read, the data tables' prefix, the freshness grace and the disk floor.
#ifndef ANALYTICA_HOST_CLI_STORE_OPTIONS_H
#define ANALYTICA_HOST_CLI_STORE_OPTIONS_H

#include "read/health.h"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <memory>
#include <string>

namespace analytica {

struct Settings;
class Store;

// Adds --pipeline, --table-prefix, --grace-days, --min-free-mb and --today.
void add_health_options(boost::program_options::options_description& options);

// Reads those options (throws UserError on bad values). Fills data_dir,
// database and table_prefix from the settings and the pipeline file.
HealthOptions health_options(const boost::program_options::variables_map& vm, const Settings& settings);

// Opens the store, or returns null and sets *error to the one-line reason.
std::unique_ptr<Store> open_store(const Settings& settings, const std::string& pipeline_file, std::string* error);

}  // namespace analytica

#endif  // ANALYTICA_HOST_CLI_STORE_OPTIONS_H
