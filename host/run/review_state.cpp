#include "run/review_state.h"

namespace analytica {

namespace {
int64_t int_of(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return c.i;
  if (c.type == ANALYTICA_DOUBLE) return static_cast<int64_t>(c.d);
  return 0;
}
}  // namespace

ReviewBacklog count_review_backlog(const ReviewQueryFn& query) {
  const auto rows = query(std::string("SELECT COALESCE(SUM(CASE WHEN ") + kReviewWaitingWhere +
                              " THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN " + kReviewSupersededWhere +
                              " THEN 1 ELSE 0 END), 0) FROM review_queue",
                          {});
  ReviewBacklog b;
  if (!rows.empty() && rows[0].size() >= 2) {
    b.waiting = int_of(rows[0][0]);
    b.superseded = int_of(rows[0][1]);
  }
  return b;
}

}  // namespace analytica
