// The review workflow: records below the threshold wait in review_queue and
// stay out of the validated views until a person approves them; every
// decision is audited and survives re-runs.
#include "support.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

const std::string kDistrict = "housing_district_monthly";
const std::string kCity = "housing_city_monthly";

// 2024-06 with North's Detached sales planted at 999: its printed ratio and
// months of supply no longer follow, and the districts exceed TOTAL CITY.
void planted(const TempDir& t) { synth(t, "2024-06", {{"district_monthly/Detached/North/sales", 999}}); }

bool in_view(const TempDir& t, const std::string& view, const std::string& district) {
  return sql_rows(db_of(t), "SELECT count(*) FROM " + view + " WHERE month = '2024-06' AND property_type = "
                            "'Detached' AND district = '" + district + "'") == Rows{"1"};
}

}  // namespace

TEST_CASE("a clean synthetic report is approved without review", "[review]") {
  TempDir t;
  synth(t, "2024-06");
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto db = db_of(t);
  CHECK(sql_rows(db, "SELECT status, count(*) FROM review_queue GROUP BY status") == Rows{"auto_approved|127"});
  CHECK(sql_rows(db, "SELECT count(*) FROM validation_checks WHERE passed = 0") == Rows{"0"});
  CHECK(sql_rows(db, "SELECT count(*) FROM housing_city_validated") == sql_rows(db, "SELECT count(*) FROM " + kCity));
  CHECK(sql_rows(db, "SELECT count(*) FROM housing_district_validated") == Rows{"36"});
  CHECK(sql_rows(db, "SELECT records, auto_approved, pending, success_percent FROM validation_summary") ==
        Rows{"127|127|0|100.0"});
  // Every check of every validator ran on the district rows.
  CHECK(sql_rows(db, "SELECT DISTINCT check_name FROM validation_checks WHERE table_name = '" + kDistrict +
                         "' AND record_key = '" + district_key("2024-06", "Detached", "TOTAL CITY") +
                         "' ORDER BY check_name") ==
        Rows{"arithmetic.district_sum", "arithmetic.months_of_supply", "arithmetic.ratio", "continuity.mom",
             "continuity.yoy", "ranges.bounds", "ranges.non_negative", "ranges.period", "ranges.types",
             "reconciliation.city_page"});
  const json none = json_of(review(t, {"list", "--json"}));
  CHECK(none.empty());
  CHECK(review(t, {"list"}).out == "no pending review items\n");
}

TEST_CASE("a planted inconsistency is queued with its reasons, approving admits it, rejecting never", "[review]") {
  TempDir t;
  planted(t);
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto db = db_of(t);

  const json pending = json_of(review(t, {"list", "--json"}));
  REQUIRE(pending.size() == 2);
  const int64_t north = item_id(t, kDistrict, district_key("2024-06", "Detached", "North"));
  const int64_t total = item_id(t, kDistrict, district_key("2024-06", "Detached", "TOTAL CITY"));
  REQUIRE(north > 0);
  REQUIRE(total > 0);
  for (const auto& item : pending) {
    CHECK(item["status"] == "pending");
    CHECK(item["confidence"].get<double>() < 0.9);
    const std::string reasons = item["reasons"];
    if (item["id"] == north) {
      CHECK(reasons.find("arithmetic.ratio: sales_to_new_listings_ratio_pct") != std::string::npos);
      CHECK(reasons.find("999") != std::string::npos);
      CHECK(reasons.find("arithmetic.months_of_supply") != std::string::npos);
    } else {
      CHECK(item["id"] == total);
      CHECK(reasons.find("arithmetic.district_sum: sales: 8 district rows sum to") != std::string::npos);
      CHECK(reasons.find("above TOTAL CITY") != std::string::npos);
    }
  }
  // Great Expectations style results: observed value and expected range.
  CHECK(sql_rows(db, "SELECT passed, observed FROM validation_checks WHERE check_name = 'arithmetic.ratio' AND "
                     "record_key = '" + district_key("2024-06", "Detached", "North") + "'")
            .at(0)
            .rfind("0|", 0) == 0);
  CHECK(!in_view(t, "housing_district_validated", "North"));
  CHECK(!in_view(t, "housing_district_validated", "TOTAL CITY"));
  CHECK(in_view(t, "housing_district_validated", "South"));

  // show: the record, its reasons, its checks, its lineage (page and box).
  const json shown = json_of(review(t, {"show", std::to_string(north), "--json"}));
  CHECK(shown["record"]["sales"] == 999);
  CHECK(shown["record"]["district"] == "North");
  CHECK(shown["reasons"].get<std::string>().find("arithmetic.ratio") != std::string::npos);
  bool failed_ratio = false;
  for (const auto& c : shown["checks"])
    failed_ratio = failed_ratio || (c["check_name"] == "arithmetic.ratio" && c["passed"] == 0 &&
                                    c["validator"] == "validator_arithmetic" && c["expected"].is_string());
  CHECK(failed_ratio);
  bool sales_cell = false;
  for (const auto& c : shown["lineage"]["cells"])
    sales_cell = sales_cell || (c["column"] == "sales" && c["page"].get<int>() > 0 && c["box"].size() == 4);
  CHECK(sales_cell);
  CHECK(shown["lineage"]["source"]["name"] == "06_2024_Calgary_Monthly_Stats_Package.pdf");
  const auto text = review(t, {"show", std::to_string(north)});
  CHECK(text.status == 0);
  CHECK(text.out.find("FAIL arithmetic.ratio") != std::string::npos);
  CHECK(text.out.find("sales: page ") != std::string::npos);

  // Approve: the record enters the view; the decision is audited.
  const auto approved = review(t, {"approve", std::to_string(north), "--reason", "checked against the PDF"});
  INFO(approved.err);
  REQUIRE(approved.status == 0);
  CHECK(in_view(t, "housing_district_validated", "North"));
  CHECK(sql_rows(db, "SELECT status, decided_by, decision_reason FROM review_queue WHERE id = " +
                         std::to_string(north)) == Rows{"approved|" + os_user() + "|checked against the PDF"});

  // Reject needs a reason; a rejected record never enters the view.
  const auto no_reason = review(t, {"reject", std::to_string(total)});
  CHECK(no_reason.status == 2);
  CHECK(no_reason.err.find("--reason is required") != std::string::npos);
  const json rejected = json_of(review(t, {"reject", std::to_string(total), "--reason", "sum exceeds total", "--json"}));
  CHECK(rejected["status"] == "rejected");
  CHECK(!in_view(t, "housing_district_validated", "TOTAL CITY"));
  CHECK(review(t, {"reject", std::to_string(total), "--reason", "again"}).status == 2);  // already rejected

  CHECK(sql_rows(db, "SELECT id, item_id, decision, previous_status, decided_by, reason FROM review_audit ORDER BY id") ==
        Rows{"1|" + std::to_string(north) + "|approved|pending|" + os_user() + "|checked against the PDF",
             "2|" + std::to_string(total) + "|rejected|pending|" + os_user() + "|sum exceeds total"});
  CHECK(sql_rows(db, "SELECT count(*) FROM review_audit WHERE decided_at LIKE '20%T%Z'") == Rows{"2"});
  CHECK(json_of(review(t, {"list", "--json"})).empty());
  CHECK(json_of(review(t, {"list", "--status", "rejected", "--json"})).size() == 1);
  CHECK(review(t, {"list", "--status", "bogus"}).status == 2);
  CHECK(review(t, {"show", "99999"}).status == 2);
  CHECK(review(t, {"approve", "x1"}).status == 2);

  // A re-run skips the identical bytes and keeps every decision.
  const auto again = run_pipeline(t);
  CHECK(again.out.find("0 ingested, 1 unchanged") != std::string::npos);
  CHECK(sql_rows(db, "SELECT status FROM review_queue WHERE id IN (" + std::to_string(north) + ", " +
                         std::to_string(total) + ") ORDER BY id") ==
        Rows{north < total ? "approved" : "rejected", north < total ? "rejected" : "approved"});
}

TEST_CASE("re-validating the same record and source never resets a human decision", "[review]") {
  TempDir t;
  planted(t);
  REQUIRE(run_pipeline(t).status == 0);
  const int64_t north = item_id(t, kDistrict, district_key("2024-06", "Detached", "North"));
  const int64_t total = item_id(t, kDistrict, district_key("2024-06", "Detached", "TOTAL CITY"));
  REQUIRE(review(t, {"approve", std::to_string(north), "--reason", "fine"}).status == 0);
  REQUIRE(review(t, {"reject", std::to_string(total), "--reason", "wrong"}).status == 0);
  // Make governance forget that the file was ingested, so the same bytes
  // are extracted and validated again.
  sql_exec(db_of(t), "UPDATE governance_sources SET status = 'failed'");
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(r.out.find("1 ingested") != std::string::npos);
  const auto db = db_of(t);
  CHECK(sql_rows(db, "SELECT id, status, decided_by, decision_reason FROM review_queue WHERE id IN (" +
                         std::to_string(north) + ", " + std::to_string(total) + ") ORDER BY status") ==
        Rows{std::to_string(north) + "|approved|" + os_user() + "|fine",
             std::to_string(total) + "|rejected|" + os_user() + "|wrong"});
  CHECK(sql_rows(db, "SELECT count(*), count(DISTINCT id) FROM review_queue") == Rows{"127|127"});
  CHECK(in_view(t, "housing_district_validated", "North"));
  CHECK(!in_view(t, "housing_district_validated", "TOTAL CITY"));
  CHECK(sql_rows(db, "SELECT count(*) FROM review_audit") == Rows{"2"});
}

TEST_CASE("a newer report's figures replace the queued ones in the validated view", "[review]") {
  TempDir t;
  // The 2024-05 report prints a wrong 2024-04 Detached benchmark (a jump);
  // the 2024-06 report reprints April correctly.
  synth(t, "2024-05", {{"city_monthly/Detached/2024-04/benchmark_price", 2500000}});
  REQUIRE(run_pipeline(t).status == 0);
  const std::string april = city_key("2024-04", "Detached");
  const int64_t bad = item_id(t, kCity, april, "2024-05");
  REQUIRE(bad > 0);
  const auto db = db_of(t);
  CHECK(sql_rows(db, "SELECT status FROM review_queue WHERE id = " + std::to_string(bad)) == Rows{"pending"});
  CHECK(sql_rows(db, "SELECT reasons LIKE '%continuity.jump: benchmark_price%' FROM review_queue WHERE id = " +
                         std::to_string(bad)) == Rows{"1"});
  CHECK(sql_rows(db, "SELECT count(*) FROM housing_city_validated WHERE month = '2024-04' AND property_type = "
                     "'Detached'") == Rows{"0"});

  synth(t, "2024-06");
  REQUIRE(run_pipeline(t).status == 0);
  const int64_t fixed = item_id(t, kCity, april, "2024-06");
  REQUIRE(fixed > 0);
  // The newer report's record is the current one; so large a revision is
  // itself worth a look, and the revision keeps both values.
  CHECK(sql_rows(db, "SELECT id, status, is_current FROM review_queue WHERE record_key = '" + april +
                         "' AND table_name = '" + kCity + "' ORDER BY id") ==
        Rows{std::to_string(bad) + "|pending|0", std::to_string(fixed) + "|pending|1"});
  CHECK(sql_rows(db, "SELECT passed, reason LIKE 'revised from the 2024-05 report by more than 15% "
                     "(benchmark_price): benchmark_price 2500000 -> %' FROM validation_checks WHERE check_name = "
                     "'reconciliation.revision' AND table_name = '" + kCity + "' AND record_key = '" + april +
                     "' AND source_sha256 = (SELECT source_sha256 FROM review_queue WHERE id = " +
                     std::to_string(fixed) + ")") == Rows{"0|1"});
  // Approving the old figure makes it the last approved one: the view shows
  // it, marked as standing in for the newer figures that still wait.
  REQUIRE(review(t, {"approve", std::to_string(bad)}).status == 0);
  CHECK(sql_rows(db, "SELECT report_month, review_fallback FROM housing_city_validated WHERE month = '2024-04' AND "
                     "property_type = 'Detached'") == Rows{"2024-05|1"});
  REQUIRE(review(t, {"approve", std::to_string(fixed), "--reason", "corrects the May report"}).status == 0);
  CHECK(sql_rows(db, "SELECT report_month, benchmark_price < 2000000 FROM housing_city_validated WHERE month = "
                     "'2024-04' AND property_type = 'Detached'") == Rows{"2024-06|1"});
  // Small revisions are notes of a passed check, not reasons to review.
  CHECK(sql_rows(db, "SELECT count(*) > 0 FROM validation_checks WHERE check_name = 'reconciliation.revision' AND "
                     "passed = 1 AND reason LIKE 'revised from the 2024-05 report: %'") == Rows{"1"});
}

TEST_CASE("the auto-approval threshold comes from the pipeline's review block", "[review]") {
  TempDir t;
  planted(t);
  const auto r = run_pipeline(t, write_pipeline(t, {{"review", {{"auto_approve_threshold", 0.0}}}}));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(sql_rows(db_of(t), "SELECT status, count(*) FROM review_queue GROUP BY status") == Rows{"auto_approved|127"});
  CHECK(sql_rows(db_of(t), "SELECT count(*) FROM validation_checks WHERE passed = 0") != Rows{"0"});
}

TEST_CASE("review configuration errors name the file and key", "[review]") {
  TempDir t;
  synth(t, "2024-06");
  auto r = run_pipeline(t, write_pipeline(t, {{"review", {{"auto_approve_threshold", 2}}}}));
  CHECK(r.status == 2);
  CHECK(r.err.find("review.auto_approve_threshold: expected a number from 0 to 1") != std::string::npos);
  r = run_pipeline(t, write_pipeline(t, {{"review", {{"threshold", 0.5}}}}));
  CHECK(r.status == 2);
  CHECK(r.err.find("review.threshold: unknown key") != std::string::npos);
  r = run_pipeline(t, write_pipeline(t, {{"review", {{"validated_views", {{"x_validated", "nope"}}}}}}));
  CHECK(r.status == 2);
  CHECK(r.err.find("review.validated_views.x_validated: no extractor table nope (expected one of document, "
                   "city_monthly, district_monthly)") != std::string::npos);
  CHECK(review(TempDir(), {"list"}).status == 2);  // no database yet
}
