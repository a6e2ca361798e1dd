#include "read/impact.h"

#include "run/cell_format.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_store.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace analytica {
namespace fs = std::filesystem;

namespace {

bool is_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The registry versions SOURCE names, ordered by file and version.
std::vector<SourceRecord> resolve(Store& store, const std::string& source) {
  if (is_hex(source) && source.size() >= 8 && source.size() <= 64) {
    const std::string sha = lower(source);
    std::vector<SourceRecord> rows;
    if (sha.size() == 64) {
      if (auto s = find_source(store, sha)) rows.push_back(*s);
    } else {
      rows = sources_with_prefix(store, sha);
      if (rows.size() > 1)
        throw UserError(source + ": ambiguous SHA-256 prefix (" + std::to_string(rows.size()) +
                        " sources match; give more digits)");
    }
    if (!rows.empty()) return rows;
  }
  // A path: every version registered under the same file.
  std::error_code ec;
  const fs::path absolute = fs::absolute(fs::path(source), ec).lexically_normal();
  return sources_of_file(store, "file://" + absolute.string(), source, source);
}

}  // namespace

SourceImpact source_impact(Store& store, const std::string& source) {
  SourceImpact out;
  std::map<std::string, ImpactTable> totals;
  for (auto& s : resolve(store, source)) {
    ImpactVersion v;
    v.source = std::move(s);
    for (const auto& rec : store.query("SELECT table_name, record_key, superseded_by FROM " ANALYTICA_T_LINEAGE_RECORDS
                                       " WHERE source_sha256 = ? ORDER BY table_name, record_key",
                                       {Cell::of(v.source.sha256)})) {
      const std::string table = cell_text(rec[0]);
      if (v.tables.empty() || v.tables.back().table != table) v.tables.push_back({table, 0, 0, 0, {}});
      ImpactTable& t = v.tables.back();
      const bool superseded = rec[2].type != ANALYTICA_NULL;
      ++t.records;
      ++(superseded ? t.superseded : t.current);
      t.keys.push_back(cell_text(rec[1]));
      ImpactTable& total = totals[table];
      total.table = table;
      ++total.records;
      ++(superseded ? total.superseded : total.current);
      ++v.records;
    }
    out.records += v.records;
    out.versions.push_back(std::move(v));
  }
  for (auto& [name, t] : totals) out.tables.push_back(std::move(t));
  return out;
}

}  // namespace analytica
