// Every record that came from a source file, by table: the one place that
// answers `analytica impact`. A source is named by path or file name (every
// version of the file, superseded ones included) or by SHA-256 (or a unique
// prefix of at least 8 hex digits: that one version).
#ifndef ANALYTICA_HOST_READ_IMPACT_H
#define ANALYTICA_HOST_READ_IMPACT_H

#include "read/sources.h"

#include <cstdint>
#include <string>
#include <vector>

namespace analytica {

class Store;

struct ImpactTable {
  std::string table;
  uint64_t records = 0, current = 0, superseded = 0;
  std::vector<std::string> keys;  // record keys, in order (per version only)
};

struct ImpactVersion {
  SourceRecord source;
  uint64_t records = 0;
  std::vector<ImpactTable> tables;  // by table name
};

struct SourceImpact {
  std::vector<ImpactVersion> versions;  // by file and version; empty: not registered
  std::vector<ImpactTable> tables;      // totals over the versions, by table name (no keys)
  uint64_t records = 0;
};

// Throws UserError for an ambiguous SHA-256 prefix.
SourceImpact source_impact(Store& store, const std::string& source);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_IMPACT_H
