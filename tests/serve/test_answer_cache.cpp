// The dashboard computes its store answers once per store change (issue
// 17): sink_sqlite's change counter (analytica.sink.admin/1) moves on every
// commit, by another connection or its own, and stays put across reads; and
// `analytica serve` shows what another process wrote between two requests.
#include "support.h"
#include "support/sink_module.h"

#include <catch2/catch.hpp>

using namespace montest;
using nlohmann::json;

namespace {

// The sink's change counter, REQUIREd to be answered.
uint64_t counter_of(const analytica_sink_admin_v1& admin, void* self) {
  uint64_t out = 0;
  REQUIRE(admin.change_counter(self, &out) == ANALYTICA_OK);
  return out;
}

}  // namespace

TEST_CASE("sink_sqlite's change counter moves on every commit and only then", "[serve][counter]") {
  TempDir tmp;
  const std::string db = tmp.file("store.db");
  const sinktest::SinkModule& module = sinktest::SinkModule::get(SINK_SQLITE_MODULE);
  const auto* table =
      static_cast<const analytica_sink_admin_v1*>(module.descriptor->get_interface(ANALYTICA_SINK_ADMIN_V1));
  REQUIRE(table);
  const analytica_sink_admin_v1 admin = analytica::read_sized(table);
  REQUIRE(admin.change_counter);  // absent before 1.2's appended member

  sinktest::TestHost host;
  void* self = nullptr;
  REQUIRE(module.descriptor->create(host.table(), json({{"path", db}}).dump().c_str(), &self) == ANALYTICA_OK);
  const uint64_t start = counter_of(admin, self);
  std::vector<sinktest::Row> rows;
  CHECK(module.sink->query(self, "SELECT 1", nullptr, 0, &sinktest::collect_rows, &rows) == ANALYTICA_OK);
  CHECK(counter_of(admin, self) == start);  // reads change nothing

  sql_exec(db, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1)");  // another connection
  const uint64_t after_other = counter_of(admin, self);
  CHECK(after_other != start);
  CHECK(counter_of(admin, self) == after_other);

  REQUIRE(module.sink->begin(self) == ANALYTICA_OK);  // this connection's own commit
  REQUIRE(module.sink->query(self, "INSERT INTO t VALUES (2)", nullptr, 0, nullptr, nullptr) == ANALYTICA_OK);
  REQUIRE(module.sink->commit(self) == ANALYTICA_OK);
  const uint64_t after_own = counter_of(admin, self);
  CHECK(after_own != after_other);

  // Not inside a transaction, as every admin member.
  REQUIRE(module.sink->begin(self) == ANALYTICA_OK);
  uint64_t ignored = 0;
  CHECK(admin.change_counter(self, &ignored) == ANALYTICA_ERR_INVALID);
  REQUIRE(module.sink->rollback(self) == ANALYTICA_OK);
  module.descriptor->destroy(self);
}

TEST_CASE("serve answers what another process wrote between two requests", "[serve][cache]") {
  DataDir d;
  const std::string first = expected_month();
  d.add_reports({add_months(first, -1)});
  REQUIRE(d.run().status == 0);
  Server s(d.data);
  const HttpReply before = http(s.port(), "/api/market");
  REQUIRE(before.status == 200);
  CHECK(http(s.port(), "/api/market").body == before.body);  // the same answer again

  // A write from another connection: the next answer has it.
  sql_exec(d.database, "UPDATE housing_city_monthly SET sales = 424242 WHERE property_type = 'Total'");
  const HttpReply updated = http(s.port(), "/api/market");
  REQUIRE(updated.status == 200);
  CHECK(contains(updated.body, "424242"));
  CHECK_FALSE(contains(before.body, "424242"));

  // A run of another process ingesting the next month: the next answer has it.
  d.add_reports({first});
  const CliResult run = d.run();
  INFO(run.err);
  REQUIRE(run.status == 0);
  const HttpReply after_run = http(s.port(), "/api/market");
  REQUIRE(after_run.status == 200);
  CHECK(contains(after_run.body, "\"" + first + "\""));
  CHECK_FALSE(contains(updated.body, "\"" + first + "\""));
}
