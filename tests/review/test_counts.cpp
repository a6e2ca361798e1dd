// One waiting count: after a scenario with superseded items, the run
// summary, `review list`, `status`, /api/review, /health and /metrics all
// report the same number of items waiting (pending and current), and the
// superseded ones (pending, replaced by a newer report) apart.
#include "../monitoring/support.h"
#include "../validation/support.h"

#include <catch2/catch.hpp>

#include <regex>

using nlohmann::json;

namespace {

int64_t count_of(const TempDir& t, const std::string& where) {
  return std::stoll(sql_rows(db_of(t), "SELECT count(*) FROM review_queue WHERE " + where).at(0));
}

// The value of a Prometheus sample without labels; -1 if absent.
double metric(const std::string& text, const std::string& name) {
  std::smatch m;
  const std::regex re("(^|\n)" + name + " ([0-9.eE+-]+)");
  return std::regex_search(text, m, re) ? std::stod(m[2].str()) : -1;
}

}  // namespace

TEST_CASE("the run summary, review list, status, /api/review, /health and /metrics agree on the waiting count",
          "[review][counts]") {
  TempDir t;
  // 2024-05 prints a wrong April Detached benchmark: its item waits.
  synth(t, "2024-05", {{"city_monthly/Detached/2024-04/benchmark_price", 2500000}});
  REQUIRE(run_pipeline(t).status == 0);
  // 2024-06 reprints April (the 2024-05 item is superseded) and plants
  // North's Detached sales (more items wait).
  synth(t, "2024-06", {{"district_monthly/Detached/North/sales", 999}});
  const CliResult run = run_pipeline(t);
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);

  const int64_t waiting = count_of(t, "status = 'pending' AND is_current = 1");
  const int64_t superseded = count_of(t, "status = 'pending' AND is_current = 0");
  REQUIRE(superseded >= 1);
  REQUIRE(waiting >= 3);
  // A count of every pending item would be another number.
  REQUIRE(count_of(t, "status = 'pending'") == waiting + superseded);
  const std::string n = std::to_string(waiting);
  CAPTURE(waiting, superseded);

  // 1. the run summary
  CHECK(run.out.find("; " + n + " records wait for review (" + std::to_string(superseded) + " superseded)") !=
        std::string::npos);

  // 2. review list: the "N of M" line, the JSON, the superseded filter, paging
  const CliResult list = review(t, {"list"});
  INFO(list.out);
  REQUIRE(list.status == 0);
  CHECK(list.out.rfind("ID\tSTATUS\t", 0) == 0);
  CHECK(list.out.find("showing 1-" + n + " of " + n + " pending review items\n") != std::string::npos);
  CHECK(list.out.find(std::to_string(superseded) + " pending item(s) superseded") != std::string::npos);
  CHECK(static_cast<int64_t>(json_of(review(t, {"list", "--json", "--limit", "1000"})).size()) == waiting);
  const json old = json_of(review(t, {"list", "--status", "superseded", "--json"}));
  CHECK(static_cast<int64_t>(old.size()) == superseded);
  for (const auto& i : old) CHECK(i["is_current"] == 0);
  const CliResult page = review(t, {"list", "--limit", "1", "--offset", "1"});
  CHECK(page.out.find("showing 2-2 of " + n + " pending review items (next: --offset 2)") != std::string::npos);

  // 3. status
  const CliResult status = run_cli({"--data-dir", t.path.string(), "status", "--json"});
  INFO(status.out << status.err);
  json st;
  REQUIRE_NOTHROW(st = json::parse(status.out));
  CHECK(st["review"]["pending"] == waiting);
  CHECK(st["review"]["superseded"] == superseded);

  // 4-6. serve: /api/review, /health, /metrics
  montest::Server server(t.path);
  const json api = json::parse(montest::http(server.port(), "/api/review?limit=2").body);
  CHECK(api["total"] == waiting);
  CHECK(api["waiting"] == waiting);
  CHECK(api["superseded"] == superseded);
  CHECK(static_cast<int64_t>(api["items"].size()) == std::min<int64_t>(2, waiting));
  CHECK(json::parse(montest::http(server.port(), "/api/review?status=superseded").body)["total"] == superseded);
  const json health = json::parse(montest::http(server.port(), "/health").body);
  CHECK(health["review"]["pending"] == waiting);
  const std::string metrics = montest::http(server.port(), "/metrics").body;
  CHECK(metric(metrics, "analytica_review_pending_items") == static_cast<double>(waiting));
  CHECK(metric(metrics, "analytica_review_superseded_items") == static_cast<double>(superseded));

  // The item of the reprinted April figure names the previous report's
  // value for the same key (the 2024-05 item it supersedes).
  const int64_t april = item_id(t, "housing_city_monthly", city_key("2024-04", "Detached"), "2024-06");
  REQUIRE(april > 0);
  const json shown = json_of(review(t, {"show", std::to_string(april), "--json"}));
  REQUIRE(shown["previous"].is_object());
  CHECK(shown["previous"]["record"]["benchmark_price"] == 2500000);
  CHECK(shown["previous"]["id"] == item_id(t, "housing_city_monthly", city_key("2024-04", "Detached"), "2024-05"));
  CHECK(shown["waiting"] == (shown["status"] == "pending"));
  CHECK(review(t, {"show", std::to_string(april)}).out.find("previous report (item ") != std::string::npos);

  // A decision moves every count together.
  const int64_t north = item_id(t, "housing_district_monthly", district_key("2024-06", "Detached", "North"));
  REQUIRE(north > 0);
  REQUIRE(review(t, {"approve", std::to_string(north), "--reason", "fine"}).status == 0);
  CHECK(review(t, {"list"}).out.find("of " + std::to_string(waiting - 1) + " pending review items") !=
        std::string::npos);
  CHECK(json::parse(montest::http(server.port(), "/api/review").body)["total"] == waiting - 1);
}

// What a run asks of review_queue for every input (its own items, earlier
// human decisions, the next id, the counts by status) is answered through an
// index on what it asks by: with the key's (table_name, ...) alone, each
// question read every item of the table, and a run's time grew with the
// square of its inputs (1,000 reports took 552 s; 33 s with the indexes).
TEST_CASE("the review questions asked per input are answered through indexes, not scans", "[review][performance]") {
  TempDir t;
  synth(t, "2024-05", {});
  REQUIRE(run_pipeline(t).status == 0);
  const std::string db = db_of(t);
  const std::pair<const char*, const char*> questions[] = {
      {"SELECT record_key, id, status FROM review_queue WHERE table_name = 'x' AND source_sha256 = 'y'",
       "source_sha256=?"},
      {"SELECT record_key, id FROM review_queue WHERE table_name = 'x' AND source_sha256 <> 'y' AND "
       "status IN ('approved', 'rejected') ORDER BY id",
       "status=?"},
      {"SELECT COALESCE(MAX(id), 0) FROM review_queue", "review_queue_by_id"},
      {"SELECT status, count(*) FROM review_queue WHERE source_sha256 = 'y' GROUP BY status", "source_sha256=?"},
  };
  for (const auto& [question, searched_by] : questions) {
    std::string plan;
    for (const auto& row : sql_rows(db, std::string("EXPLAIN QUERY PLAN ") + question)) plan += row + "\n";
    INFO(question << "\n" << plan);
    CHECK(plan.find(searched_by) != std::string::npos);
    CHECK(plan.find("SCAN review_queue") == std::string::npos);
  }
}
