#include "read/store_facts.h"

#include "run/cell_format.h"
#include "run/sink_admin.h"
#include "run/sql.h"
#include "run/store.h"

#include <analytica_store.h>

#include <algorithm>

namespace analytica {

namespace {

void schema_versions(Store& store, StoreFacts& f) {
  bool listed = false;
  for (const auto& t : f.tables) listed = listed || t.first == ANALYTICA_T_SCHEMAS;
  if (!listed) {
    f.schema_note = "no " ANALYTICA_T_SCHEMAS " table: this store records no schema versions";
    return;
  }
  try {
    const auto rows = store.query("SELECT table_name, max(version) FROM " ANALYTICA_T_SCHEMAS
                                  " GROUP BY table_name ORDER BY table_name");
    f.schema_present = true;
    for (const auto& row : rows)
      f.schema_versions.emplace_back(cell_text(row[0]), row[1].type == ANALYTICA_INT64 ? row[1].i : 0);
    f.schema_note = std::to_string(f.schema_versions.size()) + " table(s) with recorded schema versions";
  } catch (const std::exception& e) {
    f.schema_note = ANALYTICA_T_SCHEMAS " could not be read as (table_name, version): " + std::string(e.what());
    f.problems.push_back(f.schema_note);
  }
}

}  // namespace

StoreFacts store_facts(Store& store, bool thorough) {
  StoreFacts f;
  f.store = store.description();
  f.thorough = thorough;
  SinkAdmin& admin = store.admin();
  f.admin = admin.supported();
  if (!f.admin) {
    f.problems.push_back("the store's sink does not provide " ANALYTICA_SINK_ADMIN_V1
                         ": cannot check its integrity or list its tables");
    return f;
  }
  try {
    f.location = admin.location();
    const auto colon = f.location.find("://");
    if (colon != std::string::npos) f.backend = f.location.substr(0, colon);
  } catch (const std::exception&) {
    // The location is for people only; the check goes on without it.
  }
  try {
    f.integrity_problems = admin.check(thorough);
    f.integrity_checked = true;
  } catch (const std::exception& e) {
    f.integrity_problems = {e.what()};
  }
  for (const auto& p : f.integrity_problems) f.problems.push_back("integrity: " + p);
  try {
    f.size_bytes = admin.size_bytes();
  } catch (const std::exception&) {
    // Size is optional information.
  }
  try {
    f.tables = admin.tables();
  } catch (const std::exception& e) {
    f.problems.push_back(std::string("cannot list the tables: ") + e.what());
    return f;
  }
  schema_versions(store, f);
  return f;
}

std::optional<std::vector<std::string>> store_integrity(Store& store, bool thorough, std::string* why) {
  SinkAdmin& admin = store.admin();
  if (!admin.supported()) {
    if (why) *why = "the sink does not provide " ANALYTICA_SINK_ADMIN_V1;
    return std::nullopt;
  }
  return admin.check(thorough);
}

std::vector<std::pair<std::string, int64_t>> table_rows(Store& store, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& t : names) {
    if (!plain_name(t) || !store.has_table(t)) continue;
    const auto rows = store.query("SELECT COUNT(*) FROM " + quoted_name(t));
    out.emplace_back(t, rows.empty() ? 0 : static_cast<int64_t>(cell_number(rows[0][0])));
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> watched_table_rows(Store& store, const std::vector<View>& views) {
  std::vector<std::string> names;
  auto add = [&](const std::string& t) {
    if (!t.empty() && std::find(names.begin(), names.end(), t) == names.end()) names.push_back(t);
  };
  for (const auto& v : views)
    for (const auto& d : v.datasets) add(d.table);
  if (names.empty() && store.admin().supported()) {
    try {
      return store.admin().tables();
    } catch (const std::exception&) {
      // Fall back to governance's tables below.
    }
  }
  for (const char* t : {ANALYTICA_T_SOURCES, ANALYTICA_T_LINEAGE_RECORDS, ANALYTICA_T_LINEAGE_CELLS, ANALYTICA_T_REVIEW})
    add(t);
  return table_rows(store, names);
}

}  // namespace analytica
