// The one definition of which review items wait for a person, shared by the
// run loop (run summary) and the read model (read/review.h), so `analytica
// run`, `review list`, `/review`, `status`, `/health` and `/metrics` count
// the same items (analytica_store.h): an item *waits* when its status is
// pending and is_current = 1; a pending item whose figures a newer report
// replaced (is_current = 0) is *superseded* and waits for no one.
#ifndef ANALYTICA_HOST_RUN_REVIEW_STATE_H
#define ANALYTICA_HOST_RUN_REVIEW_STATE_H

#include <analytica_cpp.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace analytica {

// SQL conditions on review_queue (no table alias).
inline constexpr const char* kReviewWaitingWhere = "status = 'pending' AND is_current = 1";
inline constexpr const char* kReviewSupersededWhere = "status = 'pending' AND is_current = 0";

struct ReviewBacklog {
  int64_t waiting = 0;     // pending and current
  int64_t superseded = 0;  // pending, replaced by a newer report
};

// A `?`-parameterised query through the primary sink (Store::query and
// StoreAccess::query have this shape).
using ReviewQueryFn =
    std::function<std::vector<std::vector<Cell>>(const std::string& sql, const std::vector<Cell>& params)>;

// Counts waiting and superseded items with one query. The caller knows that
// review_queue exists.
ReviewBacklog count_review_backlog(const ReviewQueryFn& query);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_REVIEW_STATE_H
