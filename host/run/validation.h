// Validation on the host side: collects the checks validators report per
// (batch, row), combines them with the extractor's cell confidences into one
// confidence per record, and writes the outcome through the primary sink in
// the source's transaction:
//   validation_checks   one row per record and check (Great Expectations
//                       style: success, observed value, expected range)
//   validation_summary  per source: checks evaluated/successful, records
//                       auto-approved/pending
//   review_queue        one row per record and source: status
//                       auto_approved | pending | approved | rejected
//   review_audit        every human decision (who, when, why)
// and (re)creates the validated views: the current rows of a data table
// whose review_queue item is approved (automatically or by a person).
//
// Record confidence = min(cell confidence of the row) x product of the
// checks' confidences (a check reported several times for a row counts once,
// at its lowest confidence). At or above the pipeline's threshold the record
// is auto-approved, below it waits for review. Reasons keep every failed
// check and every note (e.g. a revision) of a passed one.
#ifndef ANALYTICA_HOST_RUN_VALIDATION_H
#define ANALYTICA_HOST_RUN_VALIDATION_H

#include "run/config.h"

#include <analytica_cpp.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace analytica {

// How validation reads and writes the primary store: the runner's primary
// sink, inside the source's open transaction.
struct StoreAccess {
  using Rows = std::vector<std::vector<Cell>>;
  std::function<void(const Batch&)> write;  // declares the table, then upserts
  std::function<Rows(const std::string& sql, const std::vector<Cell>& params)> query;
};

// Adapts a raw query function (the shape of analytica_host.query) and a
// batch writer. The query function's failures must throw.
StoreAccess make_store_access(
    std::function<analytica_status(const char*, const analytica_value*, uint32_t, analytica_row_fn, void*)> raw_query,
    std::function<void(const Batch&)> write);

// The pipeline's "review" block with the table prefix applied.
struct ReviewConfig {
  bool enabled = false;                      // validators configured, or a review block
  double threshold = 0.9;                    // auto-approve at or above
  struct View {
    std::string name, table;        // prefixed, as in the store
    std::string key, table_in_file;  // as written in the pipeline file
  };
  std::vector<View> views;
  static ReviewConfig from(const Pipeline& pipeline);
};

// The tables validation writes (schemas shared with the review command).
const Schema& validation_checks_schema();
const Schema& validation_summary_schema();
const Schema& review_queue_schema();
const Schema& review_audit_schema();

// Statuses of a review_queue item.
inline constexpr const char* kAutoApproved = "auto_approved";
inline constexpr const char* kPending = "pending";
inline constexpr const char* kApproved = "approved";
inline constexpr const char* kRejected = "rejected";

class Validation {
 public:
  Validation(ReviewConfig config, std::string run_id);
  ~Validation();
  bool enabled() const { return config_.enabled; }
  const ReviewConfig& config() const { return config_; }

  // Checks the validated views against `tables` (the extractor tables,
  // prefixed) before anything runs and prepares their SQL. Throws UserError
  // naming `pipeline_file` and the key if a view names a table that is not
  // among them or that has no usable key.
  void plan_views(const std::vector<Schema>& tables, const std::string& pipeline_file);
  // Declares validation's tables and drops and re-creates the validated
  // views. Inside a transaction, after the data tables exist.
  void prepare(const StoreAccess& store);

  // Starts a source (after governance registered it).
  void begin_source(const std::string& source_sha256);
  // Takes the batch the validators are about to see (cell confidences,
  // record keys). Its rows are what report() rows index.
  void begin_batch(const Batch& batch);
  // One validator's outcome for one row of the current batch. Returns
  // ANALYTICA_ERR_INVALID (with `error`) for a row out of range or no check
  // name.
  // values (may be null) holds what the check measured.
  analytica_status report(const std::string& validator, uint64_t row, const char* check, int passed,
                          double confidence, const char* reason, const analytica_check_values* values,
                          std::string& error);
  // After the current batch was written: notes which rows now hold the
  // current version of their record in the data table.
  void batch_written(const StoreAccess& store);

  struct Outcome {
    uint64_t records = 0, auto_approved = 0, pending = 0, decided = 0;  // decided: human decision kept
    uint64_t evaluated = 0, successful = 0;                             // checks
  };
  // Writes the checks, the review items and the summary of the source.
  // A human decision already recorded for the same record and source is
  // kept (a re-validation never resets it).
  Outcome finish_source(const StoreAccess& store);
  // Forgets the current source (its transaction was rolled back).
  void abandon();

 private:
  struct CheckResult;
  struct PendingBatch;
  std::string validated_select(const Schema& schema, const std::string& where) const;
  ReviewConfig config_;
  std::string run_id_, source_sha256_;
  std::vector<std::pair<std::string, std::string>> view_sql_;  // view name, SELECT it shows
  std::vector<std::unique_ptr<PendingBatch>> batches_;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_VALIDATION_H
