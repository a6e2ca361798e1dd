#include "read/ignored.h"

#include "run/schema_text.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_store.h>

namespace analytica {

namespace {

const Schema& ignored_schema() {
  static const Schema s = schema_from_text(
      ANALYTICA_T_IGNORED, "name TEXT KEY, sha256 TEXT, reason TEXT, decided_by TEXT, decided_at TEXT, active INT64");
  return s;
}

}  // namespace

void set_ignored(Store& store, const std::string& name, const std::string& sha256, const std::string& reason,
                 const std::string& who, bool active) {
  if (name.empty()) throw UserError("sources: expected the input's file name");
  if (active && reason.empty()) throw UserError("sources ignore " + name + ": --reason is required");
  Batch b(ignored_schema());
  b.add_row() = {Cell::of(name), Cell::of(sha256), Cell::of(reason), Cell::of(who), Cell::of(now_iso8601()),
                 Cell::of(static_cast<int64_t>(active ? 1 : 0))};
  store.begin();
  try {
    store.write(b);
    store.commit();
  } catch (...) {
    store.rollback();
    throw;
  }
}

std::vector<IgnoredInput> ignored_inputs(Store& store) {
  std::vector<IgnoredInput> out;
  if (!store.has_table(ANALYTICA_T_IGNORED)) return out;
  for (const auto& r : store.query("SELECT name, sha256, reason, decided_by, decided_at FROM " ANALYTICA_T_IGNORED
                                   " WHERE active = 1 ORDER BY name"))
    out.push_back({r[0].text, r[1].text, r[2].text, r[3].text, r[4].text});
  return out;
}

}  // namespace analytica
