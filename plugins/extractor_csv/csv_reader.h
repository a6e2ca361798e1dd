// RFC 4180 CSV reading with per-column type inference.
#ifndef ANALYTICA_PLUGINS_EXTRACTOR_CSV_CSV_READER_H
#define ANALYTICA_PLUGINS_EXTRACTOR_CSV_CSV_READER_H

#include <analytica_cpp.hpp>

#include <string>
#include <vector>

namespace csv {

// Splits text into records of fields (quotes, doubled quotes, CRLF). Throws
// std::runtime_error("line N: ...") on an unterminated quote.
std::vector<std::vector<std::string>> parse(const std::string& text, char delimiter);

// Builds a batch for `table` from a header row and data rows: a column is
// INT64 if every non-empty field is an integer, DOUBLE if every one is a
// number, TEXT otherwise; empty fields are NULL. key lists key column names.
// Throws std::runtime_error naming the line of a ragged row or a bad key.
analytica::Batch to_batch(const std::string& table, const std::vector<std::vector<std::string>>& records,
                          const std::vector<std::string>& key);

}  // namespace csv

#endif  // ANALYTICA_PLUGINS_EXTRACTOR_CSV_CSV_READER_H
