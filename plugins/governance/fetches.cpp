#include "fetches.h"

#include <analytica_store.h>

namespace governance {
using analytica::Batch;
using analytica::Cell;
using analytica::Schema;

namespace {

// Columns as analytica_store.h publishes them.
const Schema& fetches_schema() {
  static const Schema s(ANALYTICA_T_FETCHES,
                        {{"uri", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}, {"name", ANALYTICA_TEXT, 0},
                         {"checked_at", ANALYTICA_TEXT, 0}, {"etag", ANALYTICA_TEXT, 0},
                         {"succeeded_at", ANALYTICA_TEXT, 0}, {"first_failed_at", ANALYTICA_TEXT, 0},
                         {"last_error", ANALYTICA_TEXT, 0}, {"run_id", ANALYTICA_TEXT, 0}});
  return s;
}

Cell opt_text(const char* s) { return s && *s ? Cell::of(std::string(s)) : Cell::null(); }

std::string uri_of(const analytica_input& input) {
  if (input.uri && *input.uri) return input.uri;
  return input.path ? input.path : "";
}

std::string name_of(const analytica_input& input) {
  if (input.display_name && *input.display_name) return input.display_name;
  return uri_of(input);
}

}  // namespace

void declare_fetches(const Store& store) { store.write(Batch(fetches_schema())); }

void record_fetch_ok(const Store& store, const analytica_input& input, const std::string& run_id) {
  const std::string uri = uri_of(input);
  if (uri.empty()) return;
  const std::string now = now_utc();
  Batch b(fetches_schema());
  b.add_row() = {Cell::of(uri),      Cell::of(name_of(input)), Cell::of(now),    opt_text(input.etag),
                 Cell::of(now),      Cell::null(),             Cell::null(),     Cell::of(run_id)};
  store.write(b);
}

void record_fetch_failure(const Store& store, const analytica_input& input, const std::string& message,
                          const std::string& run_id) {
  const std::string uri = uri_of(input);
  if (uri.empty()) return;
  const std::string now = now_utc();
  Cell etag = opt_text(input.etag), last_ok = Cell::null(), since = Cell::of(now);
  const auto before = store.query(
      "SELECT etag, succeeded_at, first_failed_at FROM " ANALYTICA_T_FETCHES " WHERE uri = ?", {Cell::of(uri)});
  if (!before.empty()) {
    if (etag.type == ANALYTICA_NULL) etag = before[0][0];
    last_ok = before[0][1];
    if (before[0][2].type == ANALYTICA_TEXT && !before[0][2].text.empty()) since = before[0][2];
  }
  Batch b(fetches_schema());
  b.add_row() = {Cell::of(uri), Cell::of(name_of(input)), Cell::of(now), etag,
                 last_ok,       since,                    Cell::of(message.empty() ? std::string("failed") : message),
                 Cell::of(run_id)};
  store.write(b);
}

}  // namespace governance
