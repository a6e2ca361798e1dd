// Quality metrics governance keeps while records pass through it: per
// source and per run (table governance_quality), and per table for the
// OpenLineage dataQualityMetrics facet.
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_QUALITY_H
#define ANALYTICA_PLUGINS_GOVERNANCE_QUALITY_H

#include <analytica_cpp.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace governance {

// Records, cells and the distribution of cell confidence.
struct Quality {
  uint64_t records = 0, cells = 0, null_cells = 0;
  uint64_t scored = 0;  // cells that came with a confidence
  double conf_min = std::numeric_limits<double>::infinity();
  double conf_max = -std::numeric_limits<double>::infinity();
  double conf_sum = 0;
  // confidence < 0.5, [0.5, 0.8), [0.8, 0.95), >= 0.95
  uint64_t buckets[4] = {0, 0, 0, 0};
  // Validation outcomes (review_queue), when a validator ran.
  bool validated = false;
  uint64_t approved = 0, auto_approved = 0, pending = 0, rejected = 0;

  void add_cell(bool is_null, bool has_confidence, double confidence) {
    ++cells;
    if (is_null) ++null_cells;
    if (!has_confidence) return;
    ++scored;
    conf_min = confidence < conf_min ? confidence : conf_min;
    conf_max = confidence > conf_max ? confidence : conf_max;
    conf_sum += confidence;
    ++buckets[confidence < 0.5 ? 0 : confidence < 0.8 ? 1 : confidence < 0.95 ? 2 : 3];
  }
  void merge(const Quality& o) {
    records += o.records;
    cells += o.cells;
    null_cells += o.null_cells;
    scored += o.scored;
    conf_min = o.conf_min < conf_min ? o.conf_min : conf_min;
    conf_max = o.conf_max > conf_max ? o.conf_max : conf_max;
    conf_sum += o.conf_sum;
    for (int i = 0; i < 4; ++i) buckets[i] += o.buckets[i];
    validated = validated || o.validated;
    approved += o.approved;
    auto_approved += o.auto_approved;
    pending += o.pending;
    rejected += o.rejected;
  }
};

// Per column of one output table: what the dataQualityMetrics facet shows.
struct ColumnStats {
  uint64_t count = 0, nulls = 0;
  bool numeric = false;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
};

struct TableStats {
  analytica::Schema schema;  // as last written
  uint64_t rows = 0;
  std::map<std::string, ColumnStats> columns;  // by column name

  void add(const analytica_batch& batch) {
    schema = analytica::Schema::copy_of(*batch.schema);
    const uint32_t width = batch.schema->column_count;
    for (uint32_t c = 0; c < width; ++c) {
      ColumnStats& s = columns[batch.schema->columns[c].name];
      for (uint64_t r = 0; r < batch.row_count; ++r) {
        const analytica_value& v = batch.values[r * width + c];
        ++s.count;
        if (v.type == ANALYTICA_NULL) { ++s.nulls; continue; }
        if (v.type != ANALYTICA_INT64 && v.type != ANALYTICA_DOUBLE) continue;
        const double d = v.type == ANALYTICA_INT64 ? static_cast<double>(v.as.i) : v.as.d;
        s.numeric = true;
        s.min = d < s.min ? d : s.min;
        s.max = d > s.max ? d : s.max;
        s.sum += d;
      }
    }
    rows += batch.row_count;
  }
  void merge(const TableStats& o) {
    schema = o.schema;
    rows += o.rows;
    for (const auto& [name, t] : o.columns) {
      ColumnStats& s = columns[name];
      s.count += t.count;
      s.nulls += t.nulls;
      s.numeric = s.numeric || t.numeric;
      s.min = t.min < s.min ? t.min : s.min;
      s.max = t.max > s.max ? t.max : s.max;
      s.sum += t.sum;
    }
  }
};

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_QUALITY_H
