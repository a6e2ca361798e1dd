// formats.h — the two file formats sink_export writes, and reads back when it
// merges a transaction's rows into an existing file.
//
// CSV (RFC 4180): a header row of column names, then one line per row.
// NULL is an empty unquoted field; empty text is "" (quoted), so the two
// stay apart. Text holding a comma, quote, line break or leading/trailing
// blank is quoted, quotes doubled. Integers in decimal, doubles in the
// shortest text that reads back to the same double.
// JSON lines: one object per row, {"column": value, ...}, null for NULL,
// numbers as JSON numbers (doubles shortest round-trip), invalid UTF-8
// replaced by U+FFFD.
#ifndef SINK_EXPORT_FORMATS_H
#define SINK_EXPORT_FORMATS_H

#include "analytica_cpp.hpp"

#include <string>
#include <vector>

namespace sink_export {

using Row = std::vector<analytica::Cell>;

enum class Format { csv, jsonl };

struct ColumnType {
  std::string name;
  analytica_type type = ANALYTICA_TEXT;
};

// The file extension: "csv" or "jsonl".
const char* extension(Format format);

// Text of a whole file holding these rows (cells in `columns` order).
std::string render(Format format, const std::vector<ColumnType>& columns, const std::vector<Row>& rows);

// Reads a file's text back into rows in `columns` order: columns the file
// lacks are NULL, columns the file has beyond them are dropped; values are
// converted to each column's type. Throws analytica::Failure(FORMAT) naming
// `what` and the line on text this sink would not have written.
std::vector<Row> parse(Format format, const std::vector<ColumnType>& columns, const std::string& text,
                       const std::string& what);

}  // namespace sink_export

#endif
