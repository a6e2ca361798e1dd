// What people read of the data: the declared views (run/views.h) and, per
// dataset, its figures — approved ones by default (the dataset's validated
// view: per key the last approved revision, marked when it stands in for
// newer figures that wait or were rejected), and on request the figures
// that wait for review or were rejected, marked with their status and
// reasons. One code path for the dashboard, the JSON API and the CLI.
#ifndef ANALYTICA_HOST_READ_DATASETS_H
#define ANALYTICA_HOST_READ_DATASETS_H

#include "run/views.h"

#include <analytica_cpp.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace analytica {

class Store;
struct Pipeline;

// The views declared for this store: the pipeline's when one is given,
// else every pipeline's as recorded by its last run (ANALYTICA_T_VIEWS),
// in pipeline order. A recorded declaration that no longer parses is
// skipped (and logged).
std::vector<View> declared_views(Store& store, const Pipeline* pipeline);

// The dataset's fixed filters ("where") as SQL — " WHERE a = ? AND b = ?",
// or "" — with their values appended to params.
std::string dataset_where_sql(const Dataset& dataset, std::vector<Cell>& params);

// Finds a view by id; nullptr if none.
const View* find_view(const std::vector<View>& views, const std::string& id);

// The rows of one dataset, oldest period first, as JSON objects: "key"
// (the record key lineage knows it by), the period column, the
// dimensions, the measures, "quality" (if declared), "status"
// (auto_approved | approved | pending | rejected), "fallback" (true when an
// approved figure stands in for newer unapproved ones), "item" (review
// item id) and, for unapproved rows, "reasons". include_pending adds the
// unapproved figures of keys whose newest figures wait or were rejected.
// An aggregated dataset (Dataset::aggregated) answers one row per period
// and dimension values instead — the period, the dimensions, the measures
// computed in SQL over the approved figures, "status"/"fallback" when the
// dataset is validated, no "key" — and ignores include_pending.
nlohmann::json dataset_rows(Store& store, const Dataset& dataset, bool include_pending);

// A view with its datasets' declarations and rows: what /api/views/<id>
// answers.
nlohmann::json view_answer(Store& store, const View& view, bool include_pending);

// The declarations of every view, without rows: what /api/views answers.
nlohmann::json views_summary(const std::vector<View>& views);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_DATASETS_H
