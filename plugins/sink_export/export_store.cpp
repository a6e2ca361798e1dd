// export_store.cpp — sink_export's tables as files (see export_store.h).
#include "export_store.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

namespace sink_export {

namespace fs = std::filesystem;
using analytica::Cell;
using analytica::Failure;
using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& message) { throw Failure(ANALYTICA_ERR_INVALID, message); }

bool is_identifier(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string lowercase(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

const char* type_name(analytica_type type) {
  switch (type) {
    case ANALYTICA_NULL: return "NULL";
    case ANALYTICA_INT64: return "INT64";
    case ANALYTICA_DOUBLE: return "DOUBLE";
    case ANALYTICA_TEXT: return "TEXT";
    default: return "unknown type";
  }
}

analytica_type type_of(const std::string& name) {
  if (name == "INT64") return ANALYTICA_INT64;
  if (name == "DOUBLE") return ANALYTICA_DOUBLE;
  if (name == "TEXT") return ANALYTICA_TEXT;
  return ANALYTICA_NULL;
}

std::string printable(const char* name) { return name ? "\"" + std::string(name) + "\"" : "(null)"; }

// A schema checked with sink_sqlite's rules, names in lower case.
TableDef table_def(const analytica_table_schema& schema) {
  TableDef def;
  if (!schema.table || !is_identifier(schema.table))
    invalid("table name " + printable(schema.table) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
  def.table = lowercase(schema.table);
  if (def.table.compare(0, 7, "sqlite_") == 0)
    invalid("table \"" + def.table + "\": names starting with sqlite_ are reserved (by SQLite, so by every sink)");
  if (schema.column_count == 0 || !schema.columns) invalid("table \"" + def.table + "\" has no columns");
  const std::string where = "table \"" + def.table + "\"";
  for (uint32_t i = 0; i < schema.column_count; ++i) {
    const analytica_column& c = schema.columns[i];
    if (!c.name || !is_identifier(c.name))
      invalid(where + ": column name " + printable(c.name) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
    ColumnDef col{lowercase(c.name), c.type, (c.flags & ANALYTICA_COLUMN_KEY) != 0,
                  (c.flags & ANALYTICA_COLUMN_NEWEST) != 0};
    if (def.index_of(col.name) >= 0) invalid(where + ": column \"" + col.name + "\" is declared twice");
    if (c.type != ANALYTICA_INT64 && c.type != ANALYTICA_DOUBLE && c.type != ANALYTICA_TEXT)
      invalid(where + ", column \"" + col.name + "\": type " + std::to_string(static_cast<int>(c.type)) +
              " is not INT64, DOUBLE or TEXT");
    if (col.newest && col.key) invalid(where + ", column \"" + col.name + "\": a NEWEST column cannot be a KEY column");
    if (col.newest && def.newest() >= 0)
      invalid(where + ": more than one NEWEST column (\"" + def.columns[static_cast<size_t>(def.newest())].name +
              "\" and \"" + col.name + "\")");
    def.columns.push_back(col);
  }
  if (def.newest() >= 0 && !def.has_keys())
    invalid(where + ": a NEWEST column needs KEY columns to decide which row it replaces");
  return def;
}

json def_json(const TableDef& def) {
  json cols = json::array();
  for (const auto& c : def.columns)
    cols.push_back({{"name", c.name}, {"type", type_name(c.type)}, {"key", c.key}, {"newest", c.newest}});
  return {{"table", def.table}, {"columns", cols}};
}

std::string key_names(const TableDef& def) {
  std::vector<std::string> keys;
  for (const auto& c : def.columns)
    if (c.key) keys.push_back(c.name);
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes text to a new file and flushes it to disk; false on any error.
bool write_synced(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  const bool ok = ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

// Holds an exclusive lock on the directory's lock file.
class DirLock {
 public:
  DirLock(const fs::path& dir, const std::string& where) {
    const fs::path file = dir / ".analytica-export.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Failure(ANALYTICA_ERR_IO, where + ": cannot open " + file.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd_);
      throw Failure(ANALYTICA_ERR_IO, where + ": cannot lock " + file.string() + ": " + reason);
    }
  }
  ~DirLock() { ::close(fd_); }  // closing releases the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

// Orders like SQLite: numbers (by value) before text (bytewise).
int compare(const Cell& a, const Cell& b) {
  const bool an = a.type == ANALYTICA_INT64 || a.type == ANALYTICA_DOUBLE;
  const bool bn = b.type == ANALYTICA_INT64 || b.type == ANALYTICA_DOUBLE;
  if (an && bn) {
    if (a.type == ANALYTICA_INT64 && b.type == ANALYTICA_INT64) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    const double x = a.type == ANALYTICA_INT64 ? static_cast<double>(a.i) : a.d;
    const double y = b.type == ANALYTICA_INT64 ? static_cast<double>(b.i) : b.d;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an != bn) return an ? -1 : 1;
  return a.text.compare(b.text) < 0 ? -1 : a.text == b.text ? 0 : 1;
}

// A row's key as one string (type-tagged, length-prefixed cells).
std::string key_of(const TableDef& def, const Row& row) {
  std::string key;
  for (size_t c = 0; c < def.columns.size(); ++c) {
    if (!def.columns[c].key) continue;
    const Cell& v = row[c];
    std::string text = v.type == ANALYTICA_INT64    ? std::to_string(v.i)
                       : v.type == ANALYTICA_DOUBLE ? std::to_string(v.d)
                       : v.type == ANALYTICA_TEXT   ? v.text
                                                    : std::string();
    if (v.type == ANALYTICA_DOUBLE && v.d == static_cast<double>(static_cast<int64_t>(v.d)))
      text = std::to_string(static_cast<int64_t>(v.d));  // 2.0 and 2 are one key, as in SQLite
    key += std::to_string(v.type == ANALYTICA_TEXT ? 1 : v.type == ANALYTICA_NULL ? 0 : 2) + ":" +
           std::to_string(text.size()) + ":" + text + "|";
  }
  return key;
}

}  // namespace

// ------------------------------------------------------------- settings

Settings parse_settings(const char* settings_json) {
  json given = json::object();
  if (settings_json && *settings_json) {
    given = json::parse(settings_json, nullptr, false);
    if (given.is_discarded() || !given.is_object()) invalid("settings: expected a JSON object");
  }
  for (auto it = given.begin(); it != given.end(); ++it)
    if (it.key() != "dir" && it.key() != "format")
      invalid("settings: unknown setting \"" + it.key() + "\" (expected one of dir, format)");
  Settings out;
  if (!given.contains("dir") || !given["dir"].is_string() || given["dir"].get<std::string>().empty())
    invalid("settings: dir: expected a non-empty string (the directory for the files)");
  out.dir = given["dir"].get<std::string>();
  const std::string format = given.contains("format") && given["format"].is_string() ? given["format"].get<std::string>()
                             : given.contains("format") ? std::string("(not a string)")
                                                        : std::string("csv");
  if (format == "csv") out.format = Format::csv;
  else if (format == "jsonl") out.format = Format::jsonl;
  else invalid("settings: format: \"" + format + "\" is not csv or jsonl");
  return out;
}

int TableDef::index_of(const std::string& name) const {
  const std::string lower = lowercase(name);
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == lower) return static_cast<int>(i);
  return -1;
}

int TableDef::newest() const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].newest) return static_cast<int>(i);
  return -1;
}

bool TableDef::has_keys() const {
  return std::any_of(columns.begin(), columns.end(), [](const ColumnDef& c) { return c.key; });
}

TableDef TableDef::revisions() const {
  TableDef out{table + "_revisions", columns};
  for (auto& c : out.columns)
    if (c.newest) {
      c.newest = false;
      c.key = true;
    }
  return out;
}

// ------------------------------------------------------------------ store

ExportStore::ExportStore(const Settings& settings, const analytica_host* host)
    : settings_(settings), host_(host), where_(settings.dir.string()) {
  std::error_code ec;
  fs::create_directories(settings_.dir, ec);
  if (ec || !fs::is_directory(settings_.dir))
    fail(ANALYTICA_ERR_IO, where_ + ": cannot use as the export directory: " +
                               (ec ? ec.message() : std::string("not a directory")));
  if (::access(settings_.dir.c_str(), W_OK) != 0)
    fail(ANALYTICA_ERR_IO, where_ + ": cannot write into the export directory: " + std::strerror(errno));
}

fs::path ExportStore::file_of(const std::string& table) const {
  return settings_.dir / (table + "." + extension(settings_.format));
}

fs::path ExportStore::schema_file_of(const std::string& table) const {
  return settings_.dir / (table + ".schema.json");
}

void ExportStore::fail(analytica_status status, const std::string& message) const { throw Failure(status, message); }

void ExportStore::declare_table(const analytica_table_schema& given) {
  const analytica_table_schema schema = analytica::read_sized(&given);
  if (schema.struct_size == 0) fail(ANALYTICA_ERR_INVALID, where_ + ": declare table: schema struct_size is 0");
  const TableDef def = table_def(schema);
  const DirLock lock(settings_.dir, where_);
  declare(def);
  if (def.newest() >= 0) declare(def.revisions());
}

// Creates or extends <table>.schema.json so it holds every column of
// `wanted`; returns the table as recorded. Needs the directory lock.
TableDef& ExportStore::declare(const TableDef& wanted) {
  const std::string where = where_ + ": table \"" + wanted.table + "\"";
  const fs::path file = schema_file_of(wanted.table);
  TableDef recorded{wanted.table, {}};
  bool changed = true;
  if (fs::exists(file)) {
    const json j = json::parse(read_all(file), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("columns") || !j["columns"].is_array())
      fail(ANALYTICA_ERR_FORMAT, where + ": " + file.string() + " is not a schema file this sink wrote");
    for (const auto& c : j["columns"]) {
      if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("type") || !c["type"].is_string())
        fail(ANALYTICA_ERR_FORMAT, where + ": " + file.string() + " is not a schema file this sink wrote");
      recorded.columns.push_back({c["name"].get<std::string>(), type_of(c["type"].get<std::string>()),
                                  c.value("key", false), c.value("newest", false)});
    }
    changed = false;
    for (const auto& col : wanted.columns) {
      const int at = recorded.index_of(col.name);
      if (at < 0) continue;
      const ColumnDef& old = recorded.columns[static_cast<size_t>(at)];
      if (old.type != col.type)
        fail(ANALYTICA_ERR_CONFLICT, where + ", column \"" + col.name + "\": existing type " + type_name(old.type) +
                                         ", declared type " + type_name(col.type) + "; a column's type cannot change");
    }
    if (key_names(recorded) != key_names(wanted))
      fail(ANALYTICA_ERR_CONFLICT, where + ": existing key columns (" + key_names(recorded) +
                                       ") differ from the declared key columns (" + key_names(wanted) + ")");
    for (const auto& col : wanted.columns)
      if (recorded.index_of(col.name) < 0) {
        ColumnDef added = col;
        added.newest = false;  // only the first declaration sets NEWEST
        recorded.columns.push_back(added);
        changed = true;
      }
  } else {
    recorded = wanted;
  }
  if (changed) {
    const fs::path tmp = settings_.dir / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()));
    if (!write_synced(tmp, def_json(recorded).dump(2) + "\n")) {
      std::error_code ec;
      fs::remove(tmp, ec);
      fail(ANALYTICA_ERR_IO, where + ": cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) fail(ANALYTICA_ERR_IO, where + ": cannot rename into " + file.string() + ": " + ec.message());
  }
  TableDef& slot = known_[recorded.table];
  slot = recorded;
  return slot;
}

void ExportStore::begin() {
  if (in_transaction_) fail(ANALYTICA_ERR_INVALID, where_ + ": begin: a transaction is already open");
  in_transaction_ = true;
  staged_.clear();
}

void ExportStore::rollback() {
  in_transaction_ = false;
  staged_.clear();
}

void ExportStore::write(const analytica_batch& given) {
  const analytica_batch batch = analytica::read_sized(&given);
  if (batch.struct_size == 0) fail(ANALYTICA_ERR_INVALID, where_ + ": write: batch struct_size is 0");
  if (!batch.schema) fail(ANALYTICA_ERR_INVALID, where_ + ": write: the batch has no schema");
  const analytica_table_schema schema = analytica::read_sized(batch.schema);
  const TableDef def = table_def(schema);
  const std::string where = where_ + ": write to table \"" + def.table + "\"";
  if (!in_transaction_) fail(ANALYTICA_ERR_INVALID, where + " outside a transaction (call begin first)");
  // Declared (or extended) now if this instance has not seen all its columns.
  const auto known = known_.find(def.table);
  if (known == known_.end() ||
      std::any_of(def.columns.begin(), def.columns.end(), [&](const ColumnDef& c) { return known->second.index_of(c.name) < 0; })) {
    const DirLock lock(settings_.dir, where_);
    declare(def);
    if (def.newest() >= 0) declare(def.revisions());
  }
  if (batch.row_count == 0) return;
  if (!batch.values) fail(ANALYTICA_ERR_INVALID, where + ": values is NULL");

  const size_t width = def.columns.size();
  for (uint64_t r = 0; r < batch.row_count; ++r) {
    const analytica_value* row = batch.values + static_cast<size_t>(r) * width;
    for (size_t c = 0; c < width; ++c) {
      const analytica_value& v = row[c];
      const ColumnDef& col = def.columns[c];
      const auto bad = [&](const std::string& reason) {
        fail(ANALYTICA_ERR_INVALID, where + ", row " + std::to_string(r) + ", column \"" + col.name + "\": " + reason);
      };
      const bool valid = v.type == ANALYTICA_NULL || v.type == ANALYTICA_INT64 || v.type == ANALYTICA_DOUBLE ||
                         (v.type == ANALYTICA_TEXT && (v.as.text.ptr || v.as.text.len == 0));
      if (!valid) bad("invalid value (type " + std::to_string(v.type) + ")");
      if (v.type == ANALYTICA_NULL && col.key) bad("a key column cannot be NULL");
      const bool widening = v.type == ANALYTICA_INT64 && col.type == ANALYTICA_DOUBLE;
      if (v.type != ANALYTICA_NULL && v.type != col.type && !widening)
        bad(std::string("expected ") + type_name(col.type) + ", got " + type_name(v.type));
    }
  }
  // All rows valid: stage them (all or nothing, as the other sinks).
  const TableDef table = known_.at(def.table);
  const TableDef revisions = def.newest() >= 0 ? known_.at(def.table + "_revisions") : TableDef{};
  for (uint64_t r = 0; r < batch.row_count; ++r) {
    const analytica_value* row = batch.values + static_cast<size_t>(r) * width;
    stage(table, def, row);
    if (def.newest() >= 0) stage(revisions, def.revisions(), row);
  }
}

void ExportStore::stage(const TableDef& table, const TableDef& batch_def, const analytica_value* row) {
  Staged s{table.table, std::vector<bool>(table.columns.size(), false), Row(table.columns.size())};
  for (size_t c = 0; c < batch_def.columns.size(); ++c) {
    const size_t at = static_cast<size_t>(table.index_of(batch_def.columns[c].name));
    s.present[at] = true;
    Cell v = analytica::cell_from(row[c]);
    if (v.type == ANALYTICA_INT64 && table.columns[at].type == ANALYTICA_DOUBLE) v = Cell::of(static_cast<double>(v.i));
    s.row[at] = std::move(v);
  }
  staged_.push_back(std::move(s));
}

void ExportStore::commit() {
  if (!in_transaction_)
    fail(ANALYTICA_ERR_INVALID, where_ + ": commit: no transaction is open (begin first; an earlier error may have "
                                         "rolled it back)");
  in_transaction_ = false;
  std::vector<Staged> staged;
  staged.swap(staged_);
  if (staged.empty()) return;

  const DirLock lock(settings_.dir, where_);
  std::vector<std::string> order;  // tables in first-touched order
  for (const auto& s : staged)
    if (std::find(order.begin(), order.end(), s.table) == order.end()) order.push_back(s.table);

  std::vector<std::pair<fs::path, fs::path>> renames;  // temporary -> final
  const auto discard = [&] {
    std::error_code ec;
    for (const auto& r : renames) fs::remove(r.first, ec);
  };
  try {
    for (const auto& name : order) {
      const TableDef& def = known_.at(name);
      std::vector<ColumnType> types;
      for (const auto& c : def.columns) types.push_back({c.name, c.type});
      const fs::path file = file_of(name);
      std::vector<Row> rows;
      if (fs::exists(file)) rows = parse(settings_.format, types, read_all(file), file.string());
      for (auto& row : rows) row.resize(def.columns.size());

      std::unordered_map<std::string, size_t> index;
      const bool keyed = def.has_keys();
      if (keyed)
        for (size_t r = 0; r < rows.size(); ++r) index[key_of(def, rows[r])] = r;
      const int newest = def.newest();
      for (const auto& s : staged) {
        if (s.table != name) continue;
        if (!keyed) {
          rows.push_back(s.row);
          continue;
        }
        const std::string key = key_of(def, s.row);
        const auto found = index.find(key);
        if (found == index.end()) {
          index[key] = rows.size();
          rows.push_back(s.row);
          continue;
        }
        Row& stored = rows[found->second];
        if (newest >= 0) {
          const Cell& old = stored[static_cast<size_t>(newest)];
          const Cell& now = s.row[static_cast<size_t>(newest)];
          const bool replace = old.type == ANALYTICA_NULL || (now.type != ANALYTICA_NULL && compare(now, old) >= 0);
          if (!replace) continue;
        }
        for (size_t c = 0; c < def.columns.size(); ++c)
          if (s.present[c] && !def.columns[c].key) stored[c] = s.row[c];
      }

      const fs::path tmp = settings_.dir / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()));
      renames.emplace_back(tmp, file);
      if (!write_synced(tmp, render(settings_.format, types, rows)))
        fail(ANALYTICA_ERR_IO, where_ + ": commit: cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
  } catch (...) {
    discard();
    throw;
  }
  for (const auto& r : renames) {
    std::error_code ec;
    fs::rename(r.first, r.second, ec);
    if (ec) {
      discard();
      fail(ANALYTICA_ERR_IO, where_ + ": commit: cannot rename into " + r.second.string() + ": " + ec.message());
    }
  }
}

}  // namespace sink_export
