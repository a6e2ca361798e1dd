// The review queue (ANALYTICA_T_REVIEW, ANALYTICA_T_REVIEW_AUDIT): the one
// place that answers review questions for `analytica review`, `status`,
// /health, /metrics and the dashboard's /review pages — list (filtered,
// paged, with the total for "N of M"), one item in full, counts by status,
// the waiting and superseded counts (run/review_state.h defines them), and
// recording a decision.
//
// Status filters: "pending" means *waiting* (pending and current),
// "superseded" pending items a newer report replaced, "auto_approved",
// "approved", "rejected" the stored status, "all" every item.
#ifndef ANALYTICA_HOST_READ_REVIEW_H
#define ANALYTICA_HOST_READ_REVIEW_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace analytica {

class Store;

// True if the store has a review queue yet.
bool review_available(Store& store);

// True for a status filter list_review() takes.
bool review_status_filter_valid(const std::string& status);

struct ReviewCounts {
  bool available = false;               // the queue exists
  std::map<std::string, int64_t> by_status;  // stored status -> items
  int64_t waiting = 0, superseded = 0;  // run/review_state.h
};
ReviewCounts review_counts(Store& store);

struct ReviewListQuery {
  std::string status = "pending";  // a filter, see above
  std::string table;               // "" = every table
  int64_t offset = 0, limit = 50;  // limit >= 1
  bool newest_first = false;
};

struct ReviewListItem {
  int64_t id = 0;
  std::string status;        // stored status
  bool current = true;       // is_current
  std::optional<double> confidence;
  std::string table, record_key, source_sha256, source_name, reasons, created_at;
  std::optional<std::string> decided_by, decided_at;
};

struct ReviewList {
  bool available = false;
  std::vector<ReviewListItem> items;
  int64_t total = 0;  // items matching the filter, before paging
  int64_t offset = 0, limit = 0;
  ReviewCounts counts;
};
ReviewList list_review(Store& store, const ReviewListQuery& query);

// One item in full (nullopt if no such id): the queue row (record parsed),
// "waiting"/"superseded" flags, checks (failed first), lineage (source,
// written, cells), "previous" (the newest earlier item of the same key from
// another report: id, source, status, record) and "audit" (oldest first).
std::optional<nlohmann::ordered_json> review_item(Store& store, int64_t id);

struct ReviewDecision {
  std::string previous_status;
  nlohmann::ordered_json item;  // the queue row after the decision
};
// Approves or rejects an item: the item's status and a review_audit row
// (who, now, reason) in one transaction through the store. Throws UserError
// if the item is unknown or already has that status.
ReviewDecision decide_review(Store& store, int64_t id, const std::string& decision, const std::string& reason,
                             const std::string& who);

// The OS user running this process.
std::string os_user_name();

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_REVIEW_H
