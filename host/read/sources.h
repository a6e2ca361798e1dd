// The source registry governance keeps (ANALYTICA_T_SOURCES): every
// distinct file content ingested or tried, and whether the file on disk
// still holds the bytes that were ingested. The one place that reads it, for
// `analytica sources`, `impact`, `lineage`, the dashboard and the health check.
#ifndef ANALYTICA_HOST_READ_SOURCES_H
#define ANALYTICA_HOST_READ_SOURCES_H

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace analytica {

class Store;
class SourceHashCache;

struct SourceRecord {
  std::string sha256, uri, path, name;
  int64_t size = 0, version = 0;
  std::string first_seen, last_seen;
  std::string status;  // ingested | failed | superseded | ignored
  std::optional<std::string> message, run_id, supersedes, superseded_by;

  // Where the file is now: the path of a file:// URI, else the stored path.
  std::filesystem::path location() const;
};

// Whether a registry exists (a pipeline ran at least once).
bool sources_registered(Store& store);

// Every registered version, by URI then version (empty without a registry).
std::vector<SourceRecord> list_sources(Store& store);

// The version with this SHA-256, or nullopt.
std::optional<SourceRecord> find_source(Store& store, const std::string& sha256);

// The versions whose SHA-256 starts with prefix (lowercase hex).
std::vector<SourceRecord> sources_with_prefix(Store& store, const std::string& prefix);

// Every version registered under the file that `uri`, `path` or `name`
// names, by URI then version.
std::vector<SourceRecord> sources_of_file(Store& store, const std::string& uri, const std::string& path,
                                          const std::string& name);

// What became of one input the last time a source found it
// (ANALYTICA_T_FETCHES): when it was checked, the publisher's version,
// when it was last handed over, and while it keeps failing since when and
// why (both unset when it is not failing).
struct FetchRecord {
  std::string uri, name, last_checked;  // checked_at; last_ok, failing_since: succeeded_at, first_failed_at
  std::optional<std::string> etag, last_ok, failing_since, last_error, run_id;
};

// Every input checked, by uri (empty before the first run of a store
// version 3 governance).
std::vector<FetchRecord> list_fetches(Store& store);

// Whether the file still holds the ingested bytes. state: "ok", "changed",
// "missing", "unreadable" for ingested versions; "superseded" (expected to
// differ on disk) and "not checked" (failed or ignored: no records) for the
// others. sha256_now is set when the file was read.
struct SourceIntegrity {
  std::string state;
  std::string sha256_now;
};

// cache may be null (hash every time).
SourceIntegrity source_integrity(const SourceRecord& source, SourceHashCache* cache = nullptr);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_SOURCES_H
