// What became of each input the last time a source found it: the table
// ANALYTICA_T_FETCHES of analytica_store.h, one row per input uri with when
// it was last checked, the publisher's version (analytica_input.etag), when
// it was last handed over, and — while it keeps failing — since when and
// why. `analytica sources` shows it; `status` warns of a fetch failing for
// longer than fetch_warn_days. Every row is written inside the transaction
// of the input's other governance records (register_source for an input
// handed over, the failure's own transaction for a failed one), so it
// commits or rolls back with them.
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_FETCHES_H
#define ANALYTICA_PLUGINS_GOVERNANCE_FETCHES_H

#include "store.h"

#include <analytica.h>

#include <string>

namespace governance {

// Declares the fetches table (an empty batch) in the current transaction.
void declare_fetches(const Store& store);

// The input was handed over (ingested, unchanged or set aside): checked now,
// its etag kept, any failure cleared. Called from register_source.
void record_fetch_ok(const Store& store, const analytica_input& input, const std::string& run_id);

// The input failed: its source could not hand it over (input.error) or its
// ingest failed (message). first_failed_at keeps the first failure of an
// unbroken series; succeeded_at and, without a new one, the etag stay as they
// were. Called from source_end with a failure status. Throws Failure when
// the store cannot be read or written.
void record_fetch_failure(const Store& store, const analytica_input& input, const std::string& message,
                          const std::string& run_id);

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_FETCHES_H
