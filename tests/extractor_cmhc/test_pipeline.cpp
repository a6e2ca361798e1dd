// The CMHC pipelines as users run them, on synthetic workbooks: newest
// survey wins, revisions kept and reviewed, the universe total checked, and
// both report families from one inbox.
#include "cmhc_test.h"

#include <catch2/catch.hpp>

using namespace cmhc_test;
namespace fs = std::filesystem;

namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out;
}

std::string number_text(const json& v) {
  std::string s = json(v.get<double>()).dump();
  return s.find('.') == std::string::npos ? s + ".0" : s;
}

}  // namespace

TEST_CASE("a later survey's figures win whatever the ingest order; revisions are kept and reviewed", "[pipeline]") {
  TempDir t;
  cmhc_synth::Options o22, o23;
  o22.survey_year = 2022;
  o22.seed = 41;
  o23.survey_year = 2023;
  o23.seed = 42;
  const json e22 = synth(t / "books" / "rmr-2022.xlsx", o22);
  const json e23 = synth(t / "books" / "rmr-2023.xlsx", o23);
  fs::create_directories(t / "inbox");
  // The newer workbook first, then the older one.
  fs::copy_file(t / "books" / "rmr-2023.xlsx", t / "inbox" / "rmr-2023.xlsx");
  CliResult r = run_pipeline(t.path, "cmhc");
  INFO(r.err);
  REQUIRE(r.status == 0);
  fs::copy_file(t / "books" / "rmr-2022.xlsx", t / "inbox" / "rmr-2022.xlsx");
  r = run_pipeline(t.path, "cmhc");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const fs::path db = t / "analytica.db";

  // A key both workbooks print (Oct 2022 in 1.1.2, a rent), with a figure in each.
  size_t compared = 0, revised = 0;
  for (const auto& v23 : e23.at("values")) {
    if (v23.at("table") != "1.1.2" || v23.at("period") != "2022-10" || v23.at("value").is_null()) continue;
    for (const auto& v22 : e22.at("values")) {
      if (v22.at("table") != v23.at("table") || v22.at("centre") != v23.at("centre") ||
          v22.at("group") != v23.at("group") || v22.at("period") != v23.at("period") || v22.at("value").is_null())
        continue;
      const std::string where = " WHERE \"table\" = '1.1.2' AND centre = '" + esc(v23.at("centre")) +
                                "' AND \"group\" = '" + esc(v23.at("group")) + "' AND period = '2022-10'";
      CHECK(sql_value(db, "SELECT value || '@' || survey FROM rental_values" + where) ==
            number_text(v23.at("value")) + "@2023-10");
      CHECK(sql_value(db, "SELECT value FROM rental_values_revisions" + where + " AND survey = '2022-10'") ==
            number_text(v22.at("value")));
      ++compared;
      const double a = v22.at("value").get<double>(), b = v23.at("value").get<double>();
      if (std::fabs(a - b) > std::max(1.5, std::fabs(b) * 0.10)) ++revised;
    }
  }
  REQUIRE(compared > 5);
  REQUIRE(revised > 0);
  // Each figure revised beyond the tolerance failed the continuity check and waits for review.
  const std::string failed = sql_value(db, "SELECT COUNT(*) FROM validation_checks WHERE check_name = "
                                           "'continuity.revision' AND passed = 0 AND record_key LIKE '%table=1.1.2|%' "
                                           "AND record_key LIKE '%period=2022-10%'");
  CHECK(std::stoul(failed) == revised);
  CHECK(std::stoul(sql_value(db, "SELECT COUNT(*) FROM review_queue WHERE status = 'pending'")) >= revised);
}

TEST_CASE("a universe Total that is not the sum of its bedroom types goes to review", "[pipeline]") {
  TempDir t;
  cmhc_synth::Options o;
  o.seed = 51;
  o.total_error = 7;
  const json expected = synth(t / "inbox" / "rmr-total.xlsx", o);
  const CliResult r = run_pipeline(t.path, "cmhc");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const fs::path db = t / "analytica.db";
  const Rows failed = sql_rows(db, "SELECT record_key, reason FROM validation_checks WHERE check_name = "
                                   "'arithmetic.universe_total' AND passed = 0");
  REQUIRE(failed.size() == 1);
  CHECK(contains(failed[0], "centre=Calgary CMA"));
  CHECK(contains(failed[0], "group=Total"));
  // The other totals add up.
  CHECK(std::stoul(sql_value(db, "SELECT COUNT(*) FROM validation_checks WHERE check_name = "
                                 "'arithmetic.universe_total' AND passed = 1")) > 5);
}

TEST_CASE("calgary.json runs both report families from one inbox", "[pipeline]") {
  TempDir t;
  synth_reports(t / "inbox", {"2025-02"}, {"--seed", "7"});
  for (const auto& e : fs::directory_iterator(t / "inbox"))
    if (e.path().extension() == ".json") fs::remove(e.path());
  synth(t / "inbox" / "rmr-alberta-synth.xlsx", {});
  const CliResult r = run_pipeline(t.path, "calgary");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const fs::path db = t / "analytica.db";
  CHECK(std::stoul(sql_value(db, "SELECT COUNT(*) FROM housing_city_monthly")) > 0);
  CHECK(std::stoul(sql_value(db, "SELECT COUNT(*) FROM housing_rental_values")) > 200);
  CHECK(sql_value(db, "SELECT COUNT(*) FROM governance_sources") == "2");
}

TEST_CASE("cmhc-postgres.json is cmhc.json into sink_postgres", "[pipeline]") {
  const json sqlite = json::parse(read_text(std::string(SOURCE_DIR) + "/config/pipelines/cmhc.json"));
  const json pg = json::parse(read_text(std::string(SOURCE_DIR) + "/config/pipelines/cmhc-postgres.json"));
  for (const char* key : {"name", "table_prefix", "sources", "extractors", "validators", "review", "monitors", "views"})
    CHECK(sqlite.value(key, json()) == pg.value(key, json()));
  CHECK(pg.at("sinks").at(0).at("plugin") == "sink_postgres");
}
