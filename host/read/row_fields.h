// read_fields(): one row of a store answer into a record's members, so a
// question's code names each column's member once instead of indexing the
// row by hand.
#ifndef ANALYTICA_HOST_READ_ROW_FIELDS_H
#define ANALYTICA_HOST_READ_ROW_FIELDS_H

#include "run/cell_format.h"
#include "run/store.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace analytica {

// One cell into a member, by the member's type (cell_format.h): text ("" for
// NULL), optional text (nullopt for NULL), an integer (cell_int: 0 for NULL),
// an optional integer (nullopt for NULL), an optional number (nullopt for
// text and NULL), a flag (a non-zero integer).
inline void read_cell(const Cell& c, std::string& out) { out = cell_text(c); }
inline void read_cell(const Cell& c, std::optional<std::string>& out) { out = cell_opt_text(c); }
inline void read_cell(const Cell& c, int64_t& out) { out = cell_int(c); }
inline void read_cell(const Cell& c, std::optional<int64_t>& out) { out = cell_opt_int(c); }
inline void read_cell(const Cell& c, std::optional<double>& out) { out = cell_opt_number(c); }
inline void read_cell(const Cell& c, bool& out) { out = cell_int(c) != 0; }

// Reads row[first], row[first + 1], ... into out.*fields in the order given.
// The row must have first + sizeof...(fields) cells at least.
template <typename Record, typename... Members>
void read_fields(const Store::Row& row, size_t first, Record& out, Members Record::*... fields) {
  size_t column = first;
  (read_cell(row[column++], out.*fields), ...);
}

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_ROW_FIELDS_H
