// Governance's records: runs, the source registry and lineage. Tables:
//   governance_runs            one row per run
//   governance_sources         one row per distinct source file content (SHA-256)
//   governance_lineage_records which source and run wrote each record
//   governance_lineage_cells   page, box and confidence of each cell
#pragma once

#include "store.h"

#include <string>

namespace governance {

struct CurrentSource {
  std::string sha256, uri, path, name, first_seen, previous_sha256;
  int64_t size = 0, version = 1;
  bool active = false;
};

class Registry {
 public:
  explicit Registry(const analytica_host* host) : store_(host) {}

  void run_start(const analytica_run_info& run);
  analytica_source_decision register_source(const analytica_input& input, std::string& sha256);
  void record_batch(const std::string& extractor, const analytica_batch& batch);
  void source_end(analytica_status status, const std::string& message);
  void run_end(analytica_status status, uint64_t records);

 private:
  void write_source(const std::string& status, const std::string& message);
  void write_run(const std::string& status, const std::string& ended_at, uint64_t records);

  Store store_;
  std::string run_id_, pipeline_, config_sha256_, plugins_, started_at_;
  uint64_t ingested_ = 0, skipped_ = 0, failed_ = 0;
  CurrentSource current_;
};

}  // namespace governance
