// Bookmarks of resuming sources (analytica_input.bookmark_key/_value, ABI
// 1.2): the table ANALYTICA_T_BOOKMARKS of analytica_store.h, one row per
// bookmark key holding the value reached by the last committed input. The
// row is written inside the input's transaction, so it commits with the
// input's records or rolls back with them.
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_BOOKMARKS_H
#define ANALYTICA_PLUGINS_GOVERNANCE_BOOKMARKS_H

#include "store.h"

#include <analytica.h>

#include <string>

namespace governance {

// Declares the bookmarks table (an empty batch) in the current transaction.
void declare_bookmarks(const Store& store);

// Writes the input's bookmark, if it carries one (bookmark_key set and
// non-empty), as having been reached by the source with this SHA-256 in this
// run. Called from register_source, for inputs ingested and skipped alike.
void record_bookmark(const Store& store, const analytica_input& input, const std::string& sha256,
                     const std::string& run_id);

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_BOOKMARKS_H
