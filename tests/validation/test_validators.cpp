// Each validator plugin against a planted fault, through the real pipeline:
// the faulty record lands in the queue with the check named in its reasons,
// and the records around it stay approved.
#include "support.h"

#include "creb_synth/creb_synth.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

const std::string kDistrict = "housing_district_monthly";
const std::string kCity = "housing_city_monthly";

// The synthetic model's true values (seed 1), to plant values next to them.
const creb_synth::DistrictRow& district_row(const creb_synth::Report& r, const std::string& type,
                                            const std::string& district) {
  for (const auto& b : r.districts)
    if (b.property_type == type)
      for (const auto& row : b.rows)
        if (row.district == district) return row;
  throw std::runtime_error("no district row " + type + "/" + district);
}

const creb_synth::CityMonth& city_month(const creb_synth::Report& r, const std::string& type, const std::string& month) {
  for (const auto& s : r.city)
    if (s.property_type == type)
      for (const auto& m : s.months)
        if (m.month == month) return m;
  throw std::runtime_error("no city month " + type + "/" + month);
}

creb_synth::Report model(const std::string& month) {
  creb_synth::Options o;
  o.report_month = month;
  return creb_synth::generate_model(o);
}

std::string reasons_of(const TempDir& t, const std::string& table, const std::string& key) {
  const Rows rows = sql_rows(db_of(t), "SELECT status || ': ' || COALESCE(reasons, '') FROM review_queue WHERE "
                                       "table_name = '" + table + "' AND record_key = '" + key + "' AND is_current = 1");
  return rows.size() == 1 ? rows[0] : "(" + std::to_string(rows.size()) + " items)";
}

Rows pending_keys(const TempDir& t) {
  return sql_rows(db_of(t), "SELECT table_name || ' ' || record_key FROM review_queue WHERE status = 'pending' ORDER BY 1");
}

}  // namespace

TEST_CASE("reconciliation: TOTAL CITY that disagrees with the city page is queued", "[validators]") {
  TempDir t;
  const auto truth = model("2024-06");
  const long long bench = *district_row(truth, "Row", "TOTAL CITY").benchmark_price;
  synth(t, "2024-06", {{"district_monthly/Row/TOTAL CITY/benchmark_price", static_cast<double>(bench + 2500)}});
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string reasons = reasons_of(t, kDistrict, district_key("2024-06", "Row", "TOTAL CITY"));
  INFO(reasons);
  CHECK(reasons.rfind("pending: ", 0) == 0);
  CHECK(reasons.find("reconciliation.city_page: benchmark_price " + std::to_string(bench + 2500) + " here but " +
                     std::to_string(bench) + " in city_monthly (month 2024-06, property_type Row)") != std::string::npos);
  // Its printed y/y and m/m no longer follow from the benchmarks either.
  CHECK(reasons.find("continuity.mom: mom_benchmark_change_pct") != std::string::npos);
  CHECK(reasons.find("continuity.yoy: yoy_benchmark_change_pct") != std::string::npos);
  CHECK(pending_keys(t) == Rows{kDistrict + " " + district_key("2024-06", "Row", "TOTAL CITY")});
}

TEST_CASE("arithmetic: the four types against Total, districts short of TOTAL CITY", "[validators]") {
  TempDir t;
  const auto truth = model("2024-06");
  const long long total_sales = *city_month(truth, "Total", "2024-02").sales;
  const long long inventory = *district_row(truth, "Apartment", "TOTAL CITY").inventory;
  synth(t, "2024-06", {{"city_monthly/Total/2024-02/sales", static_cast<double>(total_sales + 40)},
                       {"district_monthly/Apartment/TOTAL CITY/inventory", static_cast<double>(inventory * 2)}});
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string total = reasons_of(t, kCity, city_key("2024-02", "Total"));
  INFO(total);
  CHECK(total.find("arithmetic.type_sum: sales: 4 property_type rows sum to " + std::to_string(total_sales) +
                   ", below Total " + std::to_string(total_sales + 40)) != std::string::npos);
  const std::string apartment = reasons_of(t, kDistrict, district_key("2024-06", "Apartment", "TOTAL CITY"));
  INFO(apartment);
  CHECK(apartment.find("arithmetic.district_sum: inventory: 8 district rows sum to") != std::string::npos);
  CHECK(apartment.find("below TOTAL CITY " + std::to_string(inventory * 2) + " by more than 10%") != std::string::npos);
  CHECK(apartment.find("arithmetic.months_of_supply") != std::string::npos);
  CHECK(apartment.find("reconciliation.city_page: inventory") != std::string::npos);
  // The neighbours are untouched.
  CHECK(reasons_of(t, kCity, city_key("2024-03", "Total")) == "auto_approved: ");
  CHECK(reasons_of(t, kDistrict, district_key("2024-06", "Apartment", "North")) == "auto_approved: ");
}

TEST_CASE("ranges and continuity: an implausible days-on-market figure", "[validators]") {
  TempDir t;
  synth(t, "2024-06", {{"city_monthly/Row/2024-03/days_on_market", 900}});
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string march = reasons_of(t, kCity, city_key("2024-03", "Row"));
  INFO(march);
  CHECK(march.find("ranges.bounds: days_on_market 900 outside 0 .. 365") != std::string::npos);
  CHECK(march.find("continuity.jump: days_on_market") != std::string::npos);
  // April moves back from 900: a jump too.
  CHECK(reasons_of(t, kCity, city_key("2024-04", "Row")).find("continuity.jump: days_on_market 900 in 2024-03") !=
        std::string::npos);
  CHECK(pending_keys(t) == Rows{kCity + " " + city_key("2024-03", "Row"), kCity + " " + city_key("2024-04", "Row")});
  CHECK(sql_rows(db_of(t), "SELECT observed, expected FROM validation_checks WHERE check_name = 'ranges.bounds' AND "
                           "passed = 0") == Rows{"900|0 .. 365"});
}

TEST_CASE("validators run on any table that has their columns (CSV, no versions)", "[validators]") {
  TempDir t;
  write_text(t / "inbox/district_monthly.csv",
             "month,report_month,district,sales\n"
             "2024-06,2024-06,North,10\n"
             "2024-05,2024-06,South,5\n"
             "2024-06,2024-06,East,-3\n"
             "2024-13,2024-06,West,4\n");
  const json pipeline = {
      {"name", "csv-validated"},
      {"sources", {{{"plugin", "source_directory"}, {"settings", {{"path", "${data_dir}/inbox"}, {"pattern", "*.csv"}}}}}},
      {"extractors", {{{"plugin", "extractor_csv"}, {"settings", {{"key", {"month", "district"}}}}}}},
      {"validators", {{{"plugin", "validator_ranges"}}}},
      {"review", {{"auto_approve_threshold", 0.5}}},
      {"sinks", {{{"plugin", "sink_sqlite"}, {"settings", {{"path", "${database}"}}}}}}};
  write_text(t / "p.json", pipeline.dump());
  const auto r = run_cli({"--data-dir", t.path.string(), "run", (t / "p.json").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto db = db_of(t);
  CHECK(sql_rows(db, "SELECT record_key, status, reasons FROM review_queue ORDER BY id") ==
        Rows{"month=2024-06|district=North|auto_approved|NULL",
             "month=2024-05|district=South|pending|ranges.period: month 2024-05 outside the period of the 2024-06 report",
             "month=2024-06|district=East|pending|ranges.non_negative: sales -3 is negative",
             "month=2024-13|district=West|pending|ranges.types: month \"2024-13\" is not a month (YYYY-MM)"});
  CHECK(sql_rows(db, "SELECT observed, expected FROM validation_checks WHERE check_name = 'ranges.period' AND "
                     "passed = 0") == Rows{"2024-05|2024-06"});
}

TEST_CASE("validator settings are checked before anything runs", "[validators]") {
  TempDir t;
  synth(t, "2024-06");
  auto r = run_pipeline(t, write_pipeline(t, {{"validators", {{{"plugin", "validator_ranges"}, {"settings", {{"years_back", "one"}}}}}}}));
  CHECK(r.status == 2);
  CHECK(r.err.find("validators[0].settings.years_back: expected integer, got string") != std::string::npos);
  r = run_pipeline(t, write_pipeline(t, {{"validators", {{{"plugin", "validator_arithmetic"}, {"settings", {{"derived", {{{"check", "x"}}}}}}}}}}));
  CHECK(r.status != 0);
  CHECK(r.err.find("validator_arithmetic: create: setting derived: expected [{check, column, numerator, denominator, "
                   "scale}]") != std::string::npos);
  r = run_pipeline(t, write_pipeline(t, {{"validators", {{{"plugin", "validator_continuity"}, {"settings", {{"failure_confidence", 3}}}}}}}));
  CHECK(r.status != 0);
  CHECK(r.err.find("setting failure_confidence: expected a number from 0 to 1") != std::string::npos);
  // Names that go into SQL are checked when the validator is created, not first when a batch needs them.
  r = run_pipeline(t, write_pipeline(t, {{"validators", {{{"plugin", "validator_continuity"}, {"settings", {{"city_table", "city monthly"}}}}}}}));
  CHECK(r.status != 0);
  CHECK(r.err.find("validator_continuity: create: \"city monthly\" is not a plain table or column name") != std::string::npos);
  const bool nothing_written = !std::filesystem::exists(db_of(t)) ||
                               sql_rows(db_of(t), "SELECT count(*) FROM sqlite_master WHERE name = 'review_queue'") ==
                                   Rows{"0"};
  CHECK(nothing_written);
}
