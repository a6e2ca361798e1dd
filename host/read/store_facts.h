// Facts about the primary store itself, asked of its sink through
// analytica.sink.admin/1 (never by guessing the engine): where it lives, its
// integrity, its tables with row counts, its size; plus the schema versions
// governance recorded (ANALYTICA_T_SCHEMAS). The one place that answers
// `analytica db check` and the health check's database line.
#ifndef ANALYTICA_HOST_READ_STORE_FACTS_H
#define ANALYTICA_HOST_READ_STORE_FACTS_H

#include "run/views.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace analytica {

class Store;

struct StoreFacts {
  std::string store;     // the store's description (plugin:path)
  std::string location;  // the sink's own location ("sqlite:///...", "postgres://..."); "" if not said
  std::string backend;   // the scheme of location ("sqlite", "postgres"); "" if not said
  bool admin = false;    // whether the sink answers analytica.sink.admin/1
  bool thorough = false;
  bool integrity_checked = false;
  std::vector<std::string> integrity_problems;  // empty and checked: sound
  std::optional<int64_t> size_bytes;
  std::vector<std::pair<std::string, int64_t>> tables;  // name -> rows
  bool schema_present = false;
  std::string schema_note;
  std::vector<std::pair<std::string, int64_t>> schema_versions;  // table -> newest version
  std::vector<std::string> problems;  // everything that fails the check, one line each

  bool ok() const { return problems.empty(); }
};

// Asks the sink everything above. Never throws for what the sink cannot
// answer: that becomes a problem line.
StoreFacts store_facts(Store& store, bool thorough);

// The sink's integrity check alone: the problems found (empty = sound), or
// nullopt when the sink does not offer the check (*why says why).
std::optional<std::vector<std::string>> store_integrity(Store& store, bool thorough, std::string* why = nullptr);

// Rows per table, for the tables among `names` that exist.
std::vector<std::pair<std::string, int64_t>> table_rows(Store& store, const std::vector<std::string>& names);

// Row counts of the tables people watch: each declared dataset's table (in
// declaration order, once each), then governance's sources, lineage and
// the review queue. Without declared datasets, every table the sink lists
// (analytica.sink.admin/1), else governance's alone.
std::vector<std::pair<std::string, int64_t>> watched_table_rows(Store& store, const std::vector<View>& views);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_STORE_FACTS_H
