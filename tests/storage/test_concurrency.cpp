// test_concurrency.cpp — several `analytica run` processes writing one store
// at the same time: SQLite (one file, busy timeout) and PostgreSQL (an
// advisory lock per source). Every process succeeds and every report is
// ingested exactly once.
#include "support.h"

#include <catch2/catch.hpp>

#include <regex>
#include <utility>

using namespace storage_test;

namespace {

struct Outcome {
  int status = -1;
  std::string out, err;
  int ingested = 0, unchanged = 0, failed = 0;
};

// Runs the pipelines as concurrent processes (started together by one
// shell) and reads each one's summary line.
std::vector<Outcome> run_together(const TempDir& dir, const std::vector<fs::path>& pipelines) {
  std::string script;
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const std::string n = std::to_string(i);
    script += "( " + shell_command(analytica_words({PLUGIN_DIR}, {"--data-dir=" + (dir / ("data" + n)).string(), "run",
                                                                 pipelines[i].string()})) +
              " >" + shell_quote((dir / ("out" + n)).string()) + " 2>" + shell_quote((dir / ("err" + n)).string()) +
              "; echo $? >" + shell_quote((dir / ("rc" + n)).string()) + " ) &\n";
  }
  script += "wait\n";
  write_text(dir / "together.sh", script);
  REQUIRE(std::system(("sh " + shell_quote((dir / "together.sh").string())).c_str()) == 0);
  std::vector<Outcome> out;
  const std::regex summary(R"((\d+) ingested, (\d+) unchanged, (\d+) failed)");
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const std::string n = std::to_string(i);
    Outcome o;
    o.status = std::stoi(read_text(dir / ("rc" + n)));
    o.out = read_text(dir / ("out" + n));
    o.err = read_text(dir / ("err" + n));
    std::smatch m;
    if (std::regex_search(o.out, m, summary)) {
      o.ingested = std::stoi(m[1]);
      o.unchanged = std::stoi(m[2]);
      o.failed = std::stoi(m[3]);
    }
    out.push_back(o);
  }
  return out;
}

// CHECKs that every process succeeded with no failed input; returns the
// ingested and unchanged counts summed over them.
std::pair<int, int> check_all_succeeded(const std::vector<Outcome>& outcomes) {
  int ingested = 0, unchanged = 0;
  for (const auto& o : outcomes) {
    INFO(o.out << o.err);
    CHECK(o.status == 0);
    CHECK(o.failed == 0);
    ingested += o.ingested;
    unchanged += o.unchanged;
  }
  return {ingested, unchanged};
}

const std::vector<std::string> kSixMonths = {"2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"};

std::string data_rows(Sink& sink, const std::string& table, const std::string& keys) {
  std::string all;
  for (const auto& line : sink.text_rows("SELECT * FROM " + table + " ORDER BY " + keys)) all += line + "\n";
  return all;
}

}  // namespace

TEST_CASE("storage: two processes share one SQLite file at once (busy timeout)", "[sqlite][concurrency]") {
  TempDir dir;
  synth_reports(dir / "inbox_a", {"2024-01", "2024-02", "2024-03"});
  synth_reports(dir / "inbox_b", {"2024-04", "2024-05", "2024-06"});
  synth_reports(dir / "inbox_all", kSixMonths);
  const std::string shared = "[{\"plugin\": \"sink_sqlite\", \"settings\": {\"path\": " +
                             json_string((dir / "shared.db").string()) + "}}]";
  write_text(dir / "a.json", creb_pipeline(dir / "inbox_a", shared));
  write_text(dir / "b.json", creb_pipeline(dir / "inbox_b", shared));

  const auto outcomes = run_together(dir, {dir / "a.json", dir / "b.json"});
  for (const auto& o : outcomes) {
    INFO(o.out << o.err);
    CHECK(o.status == 0);
    CHECK(o.ingested == 3);
    CHECK_FALSE(contains(o.err, "locked"));
  }

  // The shared file holds what one process ingesting all six gives: later
  // reports win whatever order the two processes wrote in.
  const std::string single = "[{\"plugin\": \"sink_sqlite\", \"settings\": {\"path\": " +
                             json_string((dir / "single.db").string()) + "}}]";
  write_text(dir / "single.json", creb_pipeline(dir / "inbox_all", single));
  REQUIRE(run_cli({"--data-dir=" + (dir / "data").string(), "run", (dir / "single.json").string()}).status == 0);
  Sink a(SINK_SQLITE_MODULE, "{\"path\": " + json_string((dir / "shared.db").string()) + "}");
  Sink b(SINK_SQLITE_MODULE, "{\"path\": " + json_string((dir / "single.db").string()) + "}");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(data_rows(a, "housing_city_monthly", "month, property_type") ==
        data_rows(b, "housing_city_monthly", "month, property_type"));
  CHECK(data_rows(a, "housing_district_monthly", "month, property_type, district") ==
        data_rows(b, "housing_district_monthly", "month, property_type, district"));
  CHECK(a.text_rows("SELECT count(*) FROM housing_city_monthly_revisions") ==
        b.text_rows("SELECT count(*) FROM housing_city_monthly_revisions"));
  CHECK(a.text_rows("SELECT count(*) FROM governance_sources WHERE status = 'ingested'") ==
        std::vector<std::string>{"6"});
}

TEST_CASE("storage: two processes ingesting the same SQLite inbox at once ingest each report once",
          "[sqlite][concurrency]") {
  TempDir dir;
  synth_reports(dir / "inbox", kSixMonths);
  const std::string shared = "[{\"plugin\": \"sink_sqlite\", \"settings\": {\"path\": " +
                             json_string((dir / "shared.db").string()) + "}}]";
  write_text(dir / "p.json", creb_pipeline(dir / "inbox", shared));
  const auto [ingested, unchanged] = check_all_succeeded(run_together(dir, {dir / "p.json", dir / "p.json"}));
  CHECK(ingested == 6);
  CHECK(unchanged == 6);
}

TEST_CASE("storage: the advisory lock serialises two PostgreSQL ingests of the same reports", "[postgres]") {
  REQUIRE_POSTGRES(server);
  PgSchema schema(server);
  TempDir dir;
  synth_reports(dir / "inbox", kSixMonths);
  write_text(dir / "p.json",
             creb_pipeline(dir / "inbox", "[{\"plugin\": \"sink_postgres\", \"settings\": " + schema.settings() + "}]"));
  // Two "hosts" on a fresh database: they also race to create the tables.
  const auto [ingested, unchanged] = check_all_succeeded(run_together(dir, {dir / "p.json", dir / "p.json"}));
  CHECK(ingested == 6);   // without the lock both would ingest a report they reach together
  CHECK(unchanged == 6);  // the second to reach each report finds it ingested
  Sink pg(SINK_POSTGRES_MODULE, schema.settings());
  REQUIRE(pg.ok());
  CHECK(pg.text_rows("SELECT status, count(*) FROM governance_sources GROUP BY status") ==
        std::vector<std::string>{"ingested|6"});
  CHECK(pg.text_rows("SELECT count(*) FROM governance_runs") == std::vector<std::string>{"2"});
}
