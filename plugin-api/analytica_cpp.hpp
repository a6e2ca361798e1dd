// analytica_cpp.hpp — optional C++17 helpers over analytica.h.
//
// Header-only and compiled separately into each side (host and each plugin),
// so nothing in here ever crosses the ABI: the C structs of analytica.h do.
// Provides an owning record batch that can hand out a borrowed C view, and
// guard(), which turns any exception into a status plus host->fail().
#ifndef ANALYTICA_CPP_HPP
#define ANALYTICA_CPP_HPP

#include "analytica.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace analytica {

// An exception carrying the status an entry point should return.
class Failure : public std::runtime_error {
 public:
  Failure(analytica_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  analytica_status status() const { return status_; }

 private:
  analytica_status status_;
};

// Runs f() (returning analytica_status) and converts every exception into a
// status, reporting its message through host->fail(). Use at every entry
// point of a plugin so no exception crosses the boundary.
template <typename F>
analytica_status guard(const analytica_host* host, F&& f) noexcept {
  const char* reason = "unknown exception";
  analytica_status status = ANALYTICA_ERR_INTERNAL;
  std::string message;
  try {
    return f();
  } catch (const Failure& e) {
    status = e.status();
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = reason;
  }
  if (host && host->fail) host->fail(host->ctx, message.c_str());
  return status;
}

struct Column {
  std::string name;
  analytica_type type = ANALYTICA_TEXT;
  uint32_t flags = 0;
};

// One owned cell: a value and where it came from.
struct Cell {
  analytica_type type = ANALYTICA_NULL;
  int64_t i = 0;
  double d = 0;
  std::string text;
  analytica_provenance where{0, {0, 0, 0, 0}, 1.0};

  static Cell null() { return Cell{}; }
  static Cell of(int64_t v) { Cell c; c.type = ANALYTICA_INT64; c.i = v; return c; }
  static Cell of(double v) { Cell c; c.type = ANALYTICA_DOUBLE; c.d = v; return c; }
  static Cell of(std::string v) { Cell c; c.type = ANALYTICA_TEXT; c.text = std::move(v); return c; }
  Cell& at(const analytica_provenance& p) { where = p; return *this; }
};

// Copies a borrowed C value into a Cell (text is copied).
inline Cell cell_from(const analytica_value& v) {
  switch (v.type) {
    case ANALYTICA_INT64: return Cell::of(static_cast<int64_t>(v.as.i));
    case ANALYTICA_DOUBLE: return Cell::of(v.as.d);
    case ANALYTICA_TEXT:
      return Cell::of(std::string(v.as.text.ptr ? v.as.text.ptr : "", static_cast<size_t>(v.as.text.len)));
    default: return Cell::null();
  }
}

// A C view of a Cell; borrows the cell's text.
inline analytica_value value_of(const Cell& c) {
  analytica_value v{};
  v.type = c.type;
  if (c.type == ANALYTICA_INT64) v.as.i = c.i;
  if (c.type == ANALYTICA_DOUBLE) v.as.d = c.d;
  if (c.type == ANALYTICA_TEXT) { v.as.text.ptr = c.text.data(); v.as.text.len = c.text.size(); }
  return v;
}

// An owning table schema with a borrowed C view.
class Schema {
 public:
  Schema() = default;
  Schema(std::string table, std::vector<Column> columns)
      : table_(std::move(table)), columns_(std::move(columns)) { rebuild(); }
  Schema(const Schema& o) : Schema(o.table_, o.columns_) {}
  Schema& operator=(const Schema& o) { table_ = o.table_; columns_ = o.columns_; rebuild(); return *this; }

  static Schema copy_of(const analytica_table_schema& s) {
    std::vector<Column> cols;
    for (uint32_t i = 0; i < s.column_count; ++i)
      cols.push_back({s.columns[i].name, s.columns[i].type, s.columns[i].flags});
    return Schema(s.table ? s.table : "", std::move(cols));
  }

  const std::string& table() const { return table_; }
  const std::vector<Column>& columns() const { return columns_; }
  // Index of the named column, or -1.
  int index_of(const std::string& name) const {
    for (size_t i = 0; i < columns_.size(); ++i)
      if (columns_[i].name == name) return static_cast<int>(i);
    return -1;
  }
  // Valid while this Schema lives unchanged.
  const analytica_table_schema* view() const { return &view_; }

 private:
  void rebuild() {
    c_columns_.clear();
    for (const auto& c : columns_) c_columns_.push_back({c.name.c_str(), c.type, c.flags});
    view_ = {sizeof(analytica_table_schema), table_.c_str(), c_columns_.data(),
             static_cast<uint32_t>(c_columns_.size())};
  }
  std::string table_;
  std::vector<Column> columns_;
  std::vector<analytica_column> c_columns_;
  analytica_table_schema view_{};
};

// An owning batch of rows for one table.
class Batch {
 public:
  explicit Batch(Schema schema) : schema_(std::move(schema)) {}

  static Batch copy_of(const analytica_batch& b) {
    Batch out(Schema::copy_of(*b.schema));
    const size_t n = b.schema->column_count;
    for (uint64_t r = 0; r < b.row_count; ++r) {
      auto& row = out.add_row();
      for (size_t c = 0; c < n; ++c) {
        const size_t k = static_cast<size_t>(r) * n + c;
        row[c] = cell_from(b.values[k]);
        if (b.provenance) row[c].where = b.provenance[k];
      }
    }
    if (b.source_id) out.source_id = b.source_id;
    return out;
  }

  const Schema& schema() const { return schema_; }
  void rename_table(const std::string& table) { schema_ = Schema(table, schema_.columns()); }
  size_t row_count() const { return rows_.size(); }
  std::vector<Cell>& add_row() {
    rows_.emplace_back(schema_.columns().size());
    return rows_.back();
  }
  std::vector<Cell>& row(size_t r) { return rows_[r]; }
  const std::vector<Cell>& row(size_t r) const { return rows_[r]; }
  std::string source_id;

  // Builds the C view. Valid until this Batch is next modified or destroyed.
  const analytica_batch* view() const {
    values_.clear();
    provenance_.clear();
    for (const auto& row : rows_)
      for (const auto& cell : row) {
        values_.push_back(value_of(cell));
        provenance_.push_back(cell.where);
      }
    view_ = {sizeof(analytica_batch), schema_.view(), rows_.size(), values_.data(),
             provenance_.data(), source_id.empty() ? nullptr : source_id.c_str()};
    return &view_;
  }

 private:
  Schema schema_;
  std::vector<std::vector<Cell>> rows_;
  mutable std::vector<analytica_value> values_;
  mutable std::vector<analytica_provenance> provenance_;
  mutable analytica_batch view_{};
};

// Reads a struct that may be older (shorter) than ours: copies
// min(struct_size, sizeof(T)) bytes over a zeroed T.
template <typename T>
T read_sized(const T* p) {
  T out;
  std::memset(&out, 0, sizeof out);
  if (!p) return out;
  std::memcpy(&out, p, std::min<size_t>(p->struct_size, sizeof(T)));
  return out;
}

// Runs a `?`-parameterised query through host->query() and returns the rows
// as owned cells. Throws Failure with the status on error (the host already
// holds the sink's reason). For plugins that read the store (validators,
// governance).
inline std::vector<std::vector<Cell>> query_rows(const analytica_host* host, const std::string& sql,
                                                 const std::vector<Cell>& params = {}) {
  std::vector<analytica_value> values;
  for (const auto& p : params) values.push_back(value_of(p));
  std::vector<std::vector<Cell>> rows;
  auto on_row = [](void* user, const analytica_value* v, uint32_t n) -> int {
    std::vector<Cell> row;
    for (uint32_t i = 0; i < n; ++i) row.push_back(cell_from(v[i]));
    static_cast<std::vector<std::vector<Cell>>*>(user)->push_back(std::move(row));
    return 0;
  };
  if (!host || !host->query) throw Failure(ANALYTICA_ERR_UNSUPPORTED, "the host offers no store queries");
  const analytica_status s = host->query(host->ctx, sql.c_str(), values.data(),
                                         static_cast<uint32_t>(values.size()), on_row, &rows);
  if (s < 0) throw Failure(s, "store query failed: " + sql);
  return rows;
}

// One interface a plugin offers: its id and its static table.
struct Offered {
  const char* id;
  const void* table;
};

// The table of `id` among `offered`, or NULL for an id not offered (or NULL).
// Every plugin's get_interface is one call of this.
inline const void* find_interface(const char* id, std::initializer_list<Offered> offered) {
  if (!id) return nullptr;
  for (const auto& o : offered)
    if (std::strcmp(o.id, id) == 0) return o.table;
  return nullptr;
}

// A plugin's descriptor at this header's ABI version. Settings are a static
// array (or none).
template <size_t N>
constexpr analytica_plugin_descriptor describe_plugin(
    analytica_plugin_kind kind, const char* name, const char* version, const char* description,
    const analytica_setting (&settings)[N],
    analytica_status (*create)(const analytica_host*, const char*, void**), void (*destroy)(void*),
    const void* (*get_interface)(const char*)) {
  return {sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, kind, name, version,
          description, settings, static_cast<uint32_t>(N), create, destroy, get_interface};
}

// The same for a plugin without settings (settings: nullptr).
constexpr analytica_plugin_descriptor describe_plugin(
    analytica_plugin_kind kind, const char* name, const char* version, const char* description, std::nullptr_t,
    analytica_status (*create)(const analytica_host*, const char*, void**), void (*destroy)(void*),
    const void* (*get_interface)(const char*)) {
  return {sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, kind, name, version,
          description, nullptr, 0, create, destroy, get_interface};
}

}  // namespace analytica

// Defines the plugin's one exported symbol, returning `descriptor` (a
// namespace-scope constant), and its kind note (ANALYTICA_PLUGIN_NOTE). Use
// once per plugin, at global scope.
#define ANALYTICA_DEFINE_ENTRY(descriptor)                                                      \
  ANALYTICA_PLUGIN_NOTE((descriptor).kind);                                                     \
  extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { \
    return &(descriptor);                                                                      \
  }

// Declares a whole plugin in one statement, at global scope, once per
// plugin: its descriptor (describe_plugin), a get_interface answering the
// {id, &table} pairs listed last (find_interface), and the entry symbol.
// `settings` is a static analytica_setting array, or nullptr for none.
//   ANALYTICA_PLUGIN(ANALYTICA_KIND_MONITOR, "monitor_x", "1.0.0", "what it does", kSettings,
//                    create, destroy, {ANALYTICA_MONITOR_V1, &kMonitor})
#define ANALYTICA_PLUGIN(kind, name, version, description, settings, create, destroy, ...)                  \
  namespace analytica_plugin_declared {                                                                     \
  inline const void* get_interface(const char* id) { return ::analytica::find_interface(id, {__VA_ARGS__}); } \
  constexpr analytica_plugin_descriptor kDescriptor =                                                       \
      ::analytica::describe_plugin(kind, name, version, description, settings, create, destroy, get_interface); \
  }                                                                                                         \
  ANALYTICA_DEFINE_ENTRY(analytica_plugin_declared::kDescriptor)

#endif  // ANALYTICA_CPP_HPP
