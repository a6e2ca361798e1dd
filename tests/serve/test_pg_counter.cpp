// sink_postgres's change counter (analytica.sink.admin/1), which the
// dashboard keys its cached answers by: it moves when another session
// commits a write to the store and stays put across reads. The counter is
// the cluster's WAL position, so this test has a throwaway server of its own
// (CTest fixture "postgres_quiet"); even there the server may write WAL of
// its own (a checkpoint), so a read must leave it put in one of a few tries.
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
  const auto read_leaves_it_put = [&] {
    const uint64_t before = counter();
    std::vector<sinktest::Row> rows;
    REQUIRE(module.sink->query(self, "SELECT count(*) FROM t", nullptr, 0, &sinktest::collect_rows, &rows) ==
            ANALYTICA_OK);
    return counter() == before;
  };
  bool put = false;
  for (int attempt = 0; attempt < 5 && !put; ++attempt) put = read_leaves_it_put();
  CHECK(put);

  const uint64_t start = counter();

  schema.exec("INSERT INTO t VALUES (1)");  // another session
  const uint64_t after = counter();
  CHECK(after != start);
  module.descriptor->destroy(self);
}
