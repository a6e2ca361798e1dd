// sink_postgres's change counter (analytica.sink.admin/1), which the
// dashboard keys its cached answers by: it moves when another session
// commits a write to the store and stays put across reads. Needs the
// throwaway server of deployment/postgres.sh (CTest fixture "postgres").
#include "storage/support.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

TEST_CASE("sink_postgres's change counter moves on another session's commit, not on reads", "[postgres][counter]") {
  REQUIRE_POSTGRES(server);
  storage_test::PgSchema schema(server);
  schema.exec("CREATE TABLE t (x integer)");
  const sinktest::SinkModule& module = sinktest::SinkModule::get(SINK_POSTGRES_MODULE);
  const auto* table =
      static_cast<const analytica_sink_admin_v1*>(module.descriptor->get_interface(ANALYTICA_SINK_ADMIN_V1));
  REQUIRE(table);
  const analytica_sink_admin_v1 admin = analytica::read_sized(table);
  REQUIRE(admin.change_counter);

  sinktest::TestHost host;
  void* self = nullptr;
  REQUIRE(module.descriptor->create(host.table(), schema.settings().c_str(), &self) == ANALYTICA_OK);
  const auto counter = [&] {
    uint64_t out = 0;
    REQUIRE(admin.change_counter(self, &out) == ANALYTICA_OK);
    return out;
  };
  const uint64_t start = counter();
  std::vector<sinktest::Row> rows;
  CHECK(module.sink->query(self, "SELECT count(*) FROM t", nullptr, 0, &sinktest::collect_rows, &rows) == ANALYTICA_OK);
  CHECK(counter() == start);

  schema.exec("INSERT INTO t VALUES (1)");  // another session
  const uint64_t after = counter();
  CHECK(after != start);
  CHECK(counter() == after);
  module.descriptor->destroy(self);
}
