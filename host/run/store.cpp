#include "run/store.h"

#include "run/sink_admin.h"
#include "run/sql.h"
#include "run/util.h"

#include <boost/program_options.hpp>


namespace analytica {
using nlohmann::json;

Store::Store(const Settings& settings, const std::string& pipeline_file)
    : catalog_(std::make_unique<PluginCatalog>(settings.plugin_dirs)) {
  std::string plugin = "sink_sqlite";
  json sink_settings = {{"path", settings.database.string()}};
  std::string file = "defaults", where = "sink";
  if (!pipeline_file.empty()) {
    const Pipeline p = load_pipeline(pipeline_file, settings);
    plugin = p.sinks.front().plugin;
    sink_settings = p.sinks.front().settings;
    file = pipeline_file;
    where = p.sinks.front().where + ".settings";
  } else if (!std::filesystem::exists(settings.database)) {
    throw UserError(settings.database.string() + ": no database yet (run a pipeline first, or pass --pipeline FILE)");
  }
  auto loaded = catalog_->load(plugin);
  if (loaded->descriptor().kind != ANALYTICA_KIND_SINK) throw UserError(file + ": " + plugin + " is not a sink");
  sink_ = std::make_unique<PluginInstance>(loaded, complete_settings(*loaded, sink_settings, file, where), "");
  api_ = sink_->interface<analytica_sink_v1>(ANALYTICA_SINK_V1);
  description_ = plugin + (sink_settings.contains("path") ? ":" + sink_settings["path"].get<std::string>() : "");
}

Store::~Store() = default;

std::vector<Store::Row> Store::query(const std::string& sql, const std::vector<Cell>& params) {
  std::vector<analytica_value> values;
  for (const auto& p : params) values.push_back(value_of(p));
  std::vector<Row> rows;
  sink_->check(api_.query(sink_->self(), sql.c_str(), values.data(), static_cast<uint32_t>(values.size()),
                          collect_rows, &rows),
               "query");
  return rows;
}

int collect_rows(void* user, const analytica_value* values, uint32_t count) {
  std::vector<Cell> row;
  row.reserve(count);
  for (uint32_t i = 0; i < count; ++i) row.push_back(cell_from(values[i]));
  static_cast<std::vector<std::vector<Cell>>*>(user)->push_back(std::move(row));
  return 0;
}

SinkAdmin& Store::admin() {
  if (!admin_) admin_ = std::make_unique<SinkAdmin>(*sink_);
  return *admin_;
}

bool Store::has_table(const std::string& table) {
  if (!plain_name(table)) return false;
  try {
    query("SELECT 1 FROM " + quoted_name(table) + " WHERE 1 = 0");
    return true;
  } catch (const PluginError&) {
    return false;
  }
}

void Store::begin() { sink_->check(api_.begin(sink_->self()), "begin"); }
void Store::commit() { sink_->check(api_.commit(sink_->self()), "commit"); }
void Store::rollback() { api_.rollback(sink_->self()); }

void Store::write(const Batch& batch) {
  sink_->check(api_.declare_table(sink_->self(), batch.schema().view()), "declare table " + batch.schema().table());
  sink_->check(api_.write(sink_->self(), batch.view()), "write " + batch.schema().table());
}

void add_store_option(boost::program_options::options_description& options) {
  options.add_options()("pipeline", boost::program_options::value<std::string>(),
                        "read the store of this pipeline's first sink (default: the embedded SQLite database)");
}

std::string pipeline_option(const boost::program_options::variables_map& vm) {
  return vm.count("pipeline") ? vm["pipeline"].as<std::string>() : std::string();
}

}  // namespace analytica
