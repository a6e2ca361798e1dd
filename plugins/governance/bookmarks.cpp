#include "bookmarks.h"

#include <analytica_store.h>

namespace governance {
using analytica::Batch;
using analytica::Cell;
using analytica::Schema;

namespace {

// Columns as analytica_store.h publishes them: bookmark_key KEY, value,
// source_sha256, run_id, updated_at.
const Schema& bookmarks_schema() {
  static const Schema s(ANALYTICA_T_BOOKMARKS,
                        {{"bookmark_key", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}, {"value", ANALYTICA_TEXT, 0},
                         {"source_sha256", ANALYTICA_TEXT, 0}, {"run_id", ANALYTICA_TEXT, 0},
                         {"updated_at", ANALYTICA_TEXT, 0}});
  return s;
}

}  // namespace

void declare_bookmarks(const Store& store) { store.write(Batch(bookmarks_schema())); }

void record_bookmark(const Store& store, const analytica_input& input, const std::string& sha256,
                     const std::string& run_id) {
  if (!input.bookmark_key || !*input.bookmark_key) return;
  Batch b(bookmarks_schema());
  b.add_row() = {Cell::of(std::string(input.bookmark_key)),
                 input.bookmark_value ? Cell::of(std::string(input.bookmark_value)) : Cell::null(),
                 Cell::of(sha256), Cell::of(run_id), Cell::of(now_utc())};
  store.write(b);
}

}  // namespace governance
