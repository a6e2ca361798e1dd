// The primary store, opened for the commands that query and for small
// writes outside runs (review decisions, say): the first sink of a pipeline
// file, or by default sink_sqlite on the configured database. Every read and
// write goes through the sink plugin's interface, so each question is one
// code path on every backend.
#ifndef ANALYTICA_HOST_RUN_STORE_H
#define ANALYTICA_HOST_RUN_STORE_H

#include "run/config.h"
#include "run/plugin_instance.h"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <memory>
#include <string>
#include <vector>

namespace analytica {

class SinkAdmin;

// The row callback of the sink's query interface that appends each row, as
// owned cells, to the std::vector<std::vector<Cell>> `user` points to. The
// one query-to-rows adapter of the host.
int collect_rows(void* user, const analytica_value* values, uint32_t count);

class Store {
 public:
  using Row = std::vector<Cell>;

  // pipeline_file may be empty (use the embedded SQLite database). Throws
  // UserError if the store cannot be opened.
  Store(const Settings& settings, const std::string& pipeline_file);
  ~Store();

  // Runs a `?`-parameterised statement in the portable SQL subset; throws
  // PluginError with the sink's reason.
  std::vector<Row> query(const std::string& sql, const std::vector<Cell>& params = {});

  // True if the table exists (and can be read).
  bool has_table(const std::string& table);

  // Writes a batch (declaring its table) inside begin()/commit().
  void begin();
  void write(const Batch& batch);
  void commit();
  void rollback();

  // "sqlite:<path>" or the sink's own description, for messages.
  const std::string& description() const { return description_; }

  // The storage questions of the store's sink (analytica.sink.admin/1;
  // admin().supported() says whether the sink answers them).
  SinkAdmin& admin();

 private:
  std::unique_ptr<PluginCatalog> catalog_;
  std::unique_ptr<PluginInstance> sink_;
  analytica_sink_v1 api_{};
  std::string description_;
  std::unique_ptr<SinkAdmin> admin_;
};

// Adds the --pipeline option every query command shares.
void add_store_option(boost::program_options::options_description& options);

// The pipeline file given with --pipeline, or "".
std::string pipeline_option(const boost::program_options::variables_map& vm);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_STORE_H
