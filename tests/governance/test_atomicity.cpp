// Records and their lineage commit together or not at all. A source that
// fails part way — the extractor failing after it emitted rows, or a sink
// write failing after an earlier batch and its lineage were written —
// leaves no record without lineage and no lineage without a record; the
// sources before and after it land whole.
#include "support.h"

#include <catch2/catch.hpp>

using namespace govtest;
using nlohmann::json;

namespace {

// Record keys of gt_items rows ("id=N") vs the lineage of gt_items:
// every stored row has lineage, every lineage record has its row.
void check_consistent(const std::filesystem::path& file) {
  const Rows without_lineage = sql_rows(
      file, "SELECT id FROM gt_items WHERE NOT EXISTS (SELECT 1 FROM governance_lineage_records r WHERE "
            "r.table_name = 'gt_items' AND r.record_key = 'id=' || gt_items.id)");
  CHECK(without_lineage.empty());
  const Rows lineage_without_row = sql_rows(
      file, "SELECT record_key FROM governance_lineage_records r WHERE table_name = 'gt_items' AND NOT EXISTS "
            "(SELECT 1 FROM gt_items WHERE 'id=' || gt_items.id = r.record_key)");
  CHECK(lineage_without_row.empty());
  const Rows cells_without_record = sql_rows(
      file, "SELECT c.record_key FROM governance_lineage_cells c WHERE NOT EXISTS (SELECT 1 FROM "
            "governance_lineage_records r WHERE r.table_name = c.table_name AND r.record_key = c.record_key AND "
            "r.source_sha256 = c.source_sha256)");
  CHECK(cells_without_record.empty());
  // Lineage only for sources the registry holds as ingested.
  CHECK(sql_rows(file, "SELECT DISTINCT r.source_sha256 FROM governance_lineage_records r LEFT JOIN "
                       "governance_sources s ON s.sha256 = r.source_sha256 WHERE s.status IS NULL OR "
                       "s.status NOT IN ('ingested', 'superseded')")
            .empty());
}

}  // namespace

TEST_CASE("a source failing part way leaves records and lineage consistent", "[atomicity]") {
  TempDir t;
  write_text(t / "inbox/a_good.gt", "1,10\n2,20\n");
  write_text(t / "inbox/b_fail_after_emit.gt", "3,30\n4,40\n");
  write_text(t / "inbox/c_bad_second_batch.gt", "5,50\n6,60\n");
  write_text(t / "inbox/d_good.gt", "7,70\n");
  const auto r = run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor")});
  CHECK(r.status == 1);
  CHECK(r.err.find("b_fail_after_emit.gt: test_gov_extractor: extract: ") != std::string::npos);
  CHECK(r.err.find("planted failure after emitting") != std::string::npos);
  CHECK(r.err.find("c_bad_second_batch.gt: sink_sqlite: write gt_other: ") != std::string::npos);

  CHECK(sql_rows(db(t), "SELECT id, a FROM gt_items ORDER BY id") == Rows{"1|10", "2|20", "7|70"});
  CHECK(sql_value(db(t), "SELECT count(*) FROM gt_other") == "0");
  CHECK(sql_rows(db(t), "SELECT name, status FROM governance_sources ORDER BY name") ==
        Rows{"a_good.gt|ingested", "b_fail_after_emit.gt|failed", "c_bad_second_batch.gt|failed", "d_good.gt|ingested"});
  // The failed sources' batches reached governance (c's first batch was
  // written with its lineage) and were rolled back with the data.
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_records WHERE record_key IN ('id=5', 'id=6')") == "0");
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_records") == "3");
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_cells") == "6");
  check_consistent(db(t));

  // Quality counts only what committed: 3 records, a-column confidences by id % 4.
  CHECK(sql_rows(db(t), "SELECT records, cells, conf_lt_50, conf_50_80, conf_80_95, conf_ge_95, confidence_min "
                        "FROM governance_quality WHERE scope = 'run'") == Rows{"3|6|0|1|1|4|0.7"});
  CHECK(sql_rows(db(t), "SELECT sources_ingested, sources_failed, records, status FROM governance_runs") ==
        Rows{"2|2|3|failed"});

  // The same records from a good file land whole on the next run.
  std::filesystem::remove(t / "inbox/b_fail_after_emit.gt");
  std::filesystem::remove(t / "inbox/c_bad_second_batch.gt");
  write_text(t / "inbox/e_good.gt", "3,30\n4,40\n5,50\n6,60\n");
  REQUIRE(run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor")}).status == 0);
  CHECK(sql_value(db(t), "SELECT count(*) FROM gt_items") == "7");
  check_consistent(db(t));
}

TEST_CASE("many sources in one run: each failed one leaves nothing, each good one lands whole", "[atomicity]") {
  TempDir t;
  for (int i = 0; i < 12; ++i) {
    const std::string name = (i % 4 == 3 ? "f" + std::to_string(i) + "_fail_after_emit" : "g" + std::to_string(i));
    write_text(t / ("inbox/" + name + ".gt"), std::to_string(100 + 2 * i) + ",1\n" + std::to_string(101 + 2 * i) + ",2\n");
  }
  const auto r = run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor")});
  CHECK(r.status == 1);
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_sources WHERE status = 'failed'") == "3");
  CHECK(sql_value(db(t), "SELECT count(*) FROM gt_items") == "18");
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_records") == "18");
  check_consistent(db(t));
}
