// The host's own tables (validation's, review's, the ignored inputs) are
// declared as text in the notation analytica_store.h documents them in,
// with each column's type: "run_id TEXT KEY, evaluated INT64, ...".
#ifndef ANALYTICA_HOST_RUN_SCHEMA_TEXT_H
#define ANALYTICA_HOST_RUN_SCHEMA_TEXT_H

#include <analytica_cpp.hpp>

#include <string>

namespace analytica {

// The schema of `table` whose columns are listed, in order, as
// "name TYPE [KEY] [NEWEST]" separated by commas; TYPE is TEXT, INT64 or
// DOUBLE. Anything else throws std::logic_error naming the table and the
// column (a mistake in the host's code, met by the first run that uses it).
Schema schema_from_text(const std::string& table, const std::string& columns);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_SCHEMA_TEXT_H
