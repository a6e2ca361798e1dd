#include "read/sources.h"

#include "run/cell_format.h"
#include "read/health.h"
#include "read/row_fields.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_store.h>

#include <set>

namespace analytica {
namespace fs = std::filesystem;

namespace {

const char* const kSourceColumns =
    "SELECT sha256, uri, path, name, size, version, first_seen, last_seen, status, message, run_id, supersedes, "
    "superseded_by FROM " ANALYTICA_T_SOURCES;

SourceRecord source_of(const Store::Row& r) {
  SourceRecord s;
  read_fields(r, 0, s, &SourceRecord::sha256, &SourceRecord::uri, &SourceRecord::path, &SourceRecord::name,
              &SourceRecord::size, &SourceRecord::version, &SourceRecord::first_seen, &SourceRecord::last_seen,
              &SourceRecord::status, &SourceRecord::message, &SourceRecord::run_id, &SourceRecord::supersedes,
              &SourceRecord::superseded_by);
  return s;
}

std::vector<SourceRecord> sources_where(Store& store, const std::string& where, const std::vector<Cell>& params) {
  std::vector<SourceRecord> out;
  if (!sources_registered(store)) return out;
  for (const auto& r : store.query(std::string(kSourceColumns) + where, params)) out.push_back(source_of(r));
  return out;
}

}  // namespace

fs::path SourceRecord::location() const {
  return uri.rfind("file://", 0) == 0 ? fs::path(uri.substr(7)) : fs::path(path);
}

bool sources_registered(Store& store) { return store.has_table(ANALYTICA_T_SOURCES); }

std::vector<SourceRecord> list_sources(Store& store) { return sources_where(store, " ORDER BY uri, version", {}); }

std::optional<SourceRecord> find_source(Store& store, const std::string& sha256) {
  auto rows = sources_where(store, " WHERE sha256 = ?", {Cell::of(sha256)});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<SourceRecord> sources_with_prefix(Store& store, const std::string& prefix) {
  // A range, not LIKE, so the key's index serves it: every lowercase hex
  // digest that starts with prefix sorts from prefix up to prefix + "g".
  return sources_where(store, " WHERE sha256 >= ? AND sha256 < ? ORDER BY uri, version",
                       {Cell::of(prefix), Cell::of(prefix + "g")});
}

std::vector<SourceRecord> sources_of_file(Store& store, const std::string& uri, const std::string& path,
                                          const std::string& name) {
  std::vector<SourceRecord> out;
  if (!sources_registered(store)) return out;
  std::set<std::string> uris;
  for (const auto& r : store.query("SELECT DISTINCT uri FROM " ANALYTICA_T_SOURCES " WHERE uri = ? OR path = ? OR name = ?",
                                   {Cell::of(uri), Cell::of(path), Cell::of(name)}))
    uris.insert(cell_text(r[0]));
  for (const auto& u : uris)
    for (auto& s : sources_where(store, " WHERE uri = ? ORDER BY version", {Cell::of(u)})) out.push_back(std::move(s));
  return out;
}

std::vector<FetchRecord> list_fetches(Store& store) {
  std::vector<FetchRecord> out;
  if (!store.has_table(ANALYTICA_T_FETCHES)) return out;
  for (const auto& r : store.query("SELECT uri, name, checked_at, etag, succeeded_at, first_failed_at, last_error, run_id "
                                   "FROM " ANALYTICA_T_FETCHES " ORDER BY uri",
                                   {}))
    out.push_back({cell_text(r[0]), cell_text(r[1]), cell_text(r[2]), cell_opt_text(r[3]), cell_opt_text(r[4]),
                   cell_opt_text(r[5]), cell_opt_text(r[6]), cell_opt_text(r[7])});
  return out;
}

SourceIntegrity source_integrity(const SourceRecord& source, SourceHashCache* cache) {
  if (source.status == "superseded") return {"superseded", ""};
  if (source.status != "ingested") return {"not checked", ""};
  const fs::path file = source.location();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return {"missing", ""};
  std::string now;
  if (cache) {
    now = cache->sha256(file);
  } else {
    try {
      now = sha256_file(file);
    } catch (const std::exception&) {
      now.clear();
    }
  }
  if (now.empty()) return {"unreadable", ""};
  return {now == source.sha256 ? "ok" : "changed", now};
}

}  // namespace analytica
