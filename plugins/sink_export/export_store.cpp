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
using analytica::sink::type_name;
using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& message) { throw Failure(ANALYTICA_ERR_INVALID, message); }

analytica_type type_of(const std::string& name) {
  if (name == "INT64") return ANALYTICA_INT64;
  if (name == "DOUBLE") return ANALYTICA_DOUBLE;
  if (name == "TEXT") return ANALYTICA_TEXT;
  return ANALYTICA_NULL;
}

// A schema checked with sink_sqlite's rules, names in lower case.
TableDef table_def(const analytica_table_schema& schema) {
  analytica::sink::NameRules rules;
  rules.fold_case = true;
  rules.reserved_by = "(by SQLite, so by every sink)";
  return TableDef::from(schema, rules);
}

json def_json(const TableDef& def) {
  json cols = json::array();
  for (const auto& c : def.columns())
    cols.push_back({{"name", c.name}, {"type", type_name(c.type)}, {"key", c.key}, {"newest", c.newest}});
  return {{"table", def.table()}, {"columns", cols}};
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
  for (size_t c = 0; c < def.columns().size(); ++c) {
    if (!def.columns()[c].key) continue;
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

// ------------------------------------------------------------------ store

ExportStore::ExportStore(const Settings& settings, const analytica_host* host)
    : SinkBackend(host, settings.dir.string()), settings_(settings) {
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

void ExportStore::declare_table(const analytica_table_schema& given) {
  const TableDef def = table_def(read_schema(given));
  const DirLock lock(settings_.dir, where_);
  declare(def);
  if (def.newest() >= 0) declare(def.revisions());
}

// Creates or extends <table>.schema.json so it holds every column of
// `wanted`; returns the table as recorded. Needs the directory lock.
TableDef& ExportStore::declare(const TableDef& wanted) {
  const std::string where = where_ + ": table \"" + wanted.table() + "\"";
  const fs::path file = schema_file_of(wanted.table());
  TableDef recorded(wanted.table(), {});
  bool changed = true;
  if (fs::exists(file)) {
    const json j = json::parse(read_all(file), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("columns") || !j["columns"].is_array())
      fail(ANALYTICA_ERR_FORMAT, where + ": " + file.string() + " is not a schema file this sink wrote");
    for (const auto& c : j["columns"]) {
      if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("type") || !c["type"].is_string())
        fail(ANALYTICA_ERR_FORMAT, where + ": " + file.string() + " is not a schema file this sink wrote");
      ColumnDef col;
      col.name = c["name"].get<std::string>();
      col.type = type_of(c["type"].get<std::string>());
      col.key = c.value("key", false);
      col.newest = c.value("newest", false);
      recorded.add_column(col);
    }
    std::vector<analytica::sink::StoredColumn> stored;
    for (const auto& col : recorded.columns()) stored.push_back({col.name, type_name(col.type)});
    const auto changes = analytica::sink::compare_columns(wanted, stored, {&type_name, nullptr, /*exact=*/true});
    if (!changes.conflict.empty()) fail(ANALYTICA_ERR_CONFLICT, where + ", " + changes.conflict);
    if (recorded.key_names(", ") != wanted.key_names(", "))
      fail(ANALYTICA_ERR_CONFLICT, where + ": existing key columns (" + recorded.key_names(", ") +
                                       ") differ from the declared key columns (" + wanted.key_names(", ") + ")");
    for (const ColumnDef* col : changes.added) {
      ColumnDef added = *col;
      added.newest = false;  // only the first declaration sets NEWEST
      recorded.add_column(added);
    }
    changed = !changes.added.empty();
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
  TableDef& slot = known_[recorded.table()];
  slot = recorded;
  return slot;
}

void ExportStore::begin() {
  check_can_begin();
  in_transaction_ = true;
  staged_.clear();
}

void ExportStore::rollback() {
  in_transaction_ = false;
  staged_.clear();
}

void ExportStore::write(const analytica_batch& given) {
  const BatchIn in = read_batch(given);
  const TableDef def = table_def(in.schema);
  check_can_write(def.table());
  // Declared (or extended) now if this instance has not seen all its columns.
  const auto known = known_.find(def.table());
  if (known == known_.end() || std::any_of(def.columns().begin(), def.columns().end(), [&](const ColumnDef& c) {
        return known->second.index_of(c.name) < 0;
      })) {
    const DirLock lock(settings_.dir, where_);
    declare(def);
    if (def.newest() >= 0) declare(def.revisions());
  }
  const analytica_batch& batch = in.batch;
  if (batch.row_count == 0) return;
  const size_t width = def.columns().size();
  check_rows(batch, width, def.table());
  for (uint64_t r = 0; r < batch.row_count; ++r) check_row(def, batch.values + static_cast<size_t>(r) * width, r);

  // All rows valid: stage them (all or nothing, as the other sinks).
  const TableDef table = known_.at(def.table());
  const TableDef revisions = def.newest() >= 0 ? known_.at(def.table() + "_revisions") : TableDef{};
  for (uint64_t r = 0; r < batch.row_count; ++r) {
    const analytica_value* row = batch.values + static_cast<size_t>(r) * width;
    stage(table, def, row, nullptr);
    if (def.newest() >= 0) stage(revisions, def, row, batch.source_id ? batch.source_id : "");
  }
}

void ExportStore::stage(const TableDef& table, const TableDef& batch_def, const analytica_value* row,
                        const char* source) {
  const size_t width = table.columns().size();
  Staged s{table.table(), std::vector<bool>(width, false), Row(width)};
  if (source) {  // a revision row: the input it came from (TableDef::revisions)
    const size_t at = static_cast<size_t>(table.index_of(analytica::sink::kRevisionSource));
    s.present[at] = true;
    s.row[at] = Cell::of(std::string(source));
  }
  for (size_t c = 0; c < batch_def.columns().size(); ++c) {
    const size_t at = static_cast<size_t>(table.index_of(batch_def.columns()[c].name));
    s.present[at] = true;
    Cell v = analytica::cell_from(row[c]);
    if (v.type == ANALYTICA_INT64 && table.columns()[at].type == ANALYTICA_DOUBLE) v = Cell::of(static_cast<double>(v.i));
    s.row[at] = std::move(v);
  }
  staged_.push_back(std::move(s));
}

void ExportStore::commit() {
  check_can_commit();
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
      for (const auto& c : def.columns()) types.push_back({c.name, c.type});
      const fs::path file = file_of(name);
      std::vector<Row> rows;
      if (fs::exists(file)) rows = parse(settings_.format, types, read_all(file), file.string());
      for (auto& row : rows) row.resize(def.columns().size());

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
        for (size_t c = 0; c < def.columns().size(); ++c)
          if (s.present[c] && !def.columns()[c].key) stored[c] = s.row[c];
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

void ExportStore::query(const char*, const analytica_value*, uint32_t, analytica_row_fn, void*) {
  fail(ANALYTICA_ERR_UNSUPPORTED,
       "sink_export keeps CSV/JSON-lines files and cannot answer queries; make a database sink (sink_sqlite, "
       "sink_postgres) the first sink of the pipeline and list sink_export after it");
}

}  // namespace sink_export
