// Schema versions: every table's schema is recorded; a change is detected
// at run start (declared output tables) or when a per-file table first
// appears in a run (CSV). Additive changes are recorded and migrated;
// destructive ones refuse the run (or fail the source) with a message that
// says what to do, and are recorded as refused.
#include "support.h"

#include <catch2/catch.hpp>

using namespace govtest;
using nlohmann::json;

TEST_CASE("CSV: an added column is a new schema version, migrated in the source's transaction", "[schema]") {
  TempDir t;
  const std::string p = write_pipeline(t, "csv", "csv", "extractor_csv", {{"key", {"id"}}});
  write_text(t / "inbox/a.csv", "id,v\n1,10\n");
  REQUIRE(run_cli(t, {"run", p}).status == 0);
  CHECK(sql_rows(db(t), "SELECT version, kind, outcome FROM governance_schemas s JOIN governance_schema_changes c "
                        "ON c.table_name = s.table_name AND c.to_version = s.version WHERE s.table_name = 'a'") ==
        Rows{"1|created|recorded"});

  write_text(t / "inbox/a.csv", "id,v,w\n1,10,x\n2,20,y\n");
  const auto r = run_cli(t, {"run", p});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(sql_rows(db(t), "SELECT version FROM governance_schemas WHERE table_name = 'a' ORDER BY version") ==
        Rows{"1", "2"});
  const json columns = json::parse(sql_value(db(t), "SELECT columns FROM governance_schemas WHERE table_name = 'a' "
                                                    "AND version = 2"));
  REQUIRE(columns.size() == 3);
  CHECK(columns[2] == json{{"name", "w"}, {"type", "TEXT"}, {"key", false}, {"newest", false}});
  CHECK(sql_value(db(t), "SELECT kind || '|' || outcome || '|' || from_version || '|' || to_version FROM "
                         "governance_schema_changes WHERE table_name = 'a' AND kind <> 'created'") ==
        "additive|migrated|1|2");
  const json diff = json::parse(sql_value(db(t), "SELECT diff FROM governance_schema_changes WHERE table_name = 'a' "
                                                 "AND kind = 'additive'"));
  CHECK(diff["added"] == json::array({{{"name", "w"}, {"type", "TEXT"}}}));
  CHECK(diff["removed"].empty());
  CHECK(sql_rows(db(t), "SELECT id, v, w FROM a ORDER BY id") == Rows{"1|10|x", "2|20|y"});
  // `runs` shows the change.
  const json runs = run_json(t, {"runs", "--json", "--limit", "1"});
  REQUIRE(runs["runs"][0]["schema_changes"].size() == 1);
  CHECK(runs["runs"][0]["schema_changes"][0]["outcome"] == "migrated");
}

TEST_CASE("CSV: a removed or retyped column is refused with what to do, and recorded", "[schema]") {
  TempDir t;
  const std::string p = write_pipeline(t, "csv", "csv", "extractor_csv", {{"key", {"id"}}});
  write_text(t / "inbox/a.csv", "id,v\n1,10\n");
  REQUIRE(run_cli(t, {"run", p}).status == 0);

  SECTION("removed") {
    write_text(t / "inbox/a.csv", "id\n1\n2\n");
    const auto r = run_cli(t, {"run", p});
    CHECK(r.status == 1);
    CHECK(r.err.find("table \"a\": destructive schema change refused (recorded version 1 -> new): column \"v\" "
                     "removed") != std::string::npos);
    CHECK(r.err.find("\"accept_schema_changes\": [\"a\"]") != std::string::npos);
    CHECK(sql_rows(db(t), "SELECT id, v FROM a") == Rows{"1|10"});  // nothing of the new file written
    CHECK(sql_rows(db(t), "SELECT version, status FROM governance_sources ORDER BY version") ==
          Rows{"1|ingested", "2|failed"});
    CHECK(sql_rows(db(t), "SELECT version FROM governance_schemas WHERE table_name = 'a'") == Rows{"1"});
    CHECK(sql_rows(db(t), "SELECT kind, outcome, from_version, to_version FROM governance_schema_changes "
                          "WHERE table_name = 'a' AND kind <> 'created'") == Rows{"destructive|refused|1|NULL"});

    // After migrating, the pipeline may accept the change: recorded, not refused.
    const std::string accepting =
        write_pipeline(t, "csv2", "csv", "extractor_csv", {{"key", {"id"}}}, {{"accept_schema_changes", {"a"}}});
    const auto ok = run_cli(t, {"run", accepting});
    INFO(ok.err);
    CHECK(ok.status == 0);
    CHECK(sql_rows(db(t), "SELECT version FROM governance_schemas WHERE table_name = 'a' ORDER BY version") ==
          Rows{"1", "2"});
    CHECK(sql_rows(db(t), "SELECT outcome FROM governance_schema_changes WHERE table_name = 'a' AND "
                          "kind = 'destructive' ORDER BY outcome") == Rows{"accepted", "refused"});
    CHECK(sql_rows(db(t), "SELECT id, v FROM a ORDER BY id") == Rows{"1|10", "2|NULL"});
  }
  SECTION("retyped") {
    write_text(t / "inbox/a.csv", "id,v\n1,ten\n");
    const auto r = run_cli(t, {"run", p});
    CHECK(r.status == 1);
    CHECK(r.err.find("column \"v\" retyped INT64 -> TEXT") != std::string::npos);
    CHECK(r.err.find("a retyped column needs the table renamed or dropped") != std::string::npos);
    CHECK(sql_rows(db(t), "SELECT id, v FROM a") == Rows{"1|10"});
  }
}

TEST_CASE("declared tables: a change is detected at run start, destructive refuses the whole run", "[schema]") {
  TempDir t;
  write_text(t / "inbox/one.gt", "1,10\n2,20\n");
  REQUIRE(run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor", {{"variant", "v1"}})}).status == 0);
  CHECK(sql_rows(db(t), "SELECT table_name, version FROM governance_schemas ORDER BY 1") ==
        Rows{"gt_items|1", "gt_other|1"});

  // Additive (a plugin upgrade adds column b): migrated before any input.
  write_text(t / "inbox/two.gt", "3,30\n");
  const auto added = run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor", {{"variant", "v2_added"}})});
  INFO(added.err);
  REQUIRE(added.status == 0);
  CHECK(sql_rows(db(t), "SELECT kind, outcome FROM governance_schema_changes WHERE table_name = 'gt_items' AND "
                        "kind <> 'created'") == Rows{"additive|migrated"});
  CHECK(sql_rows(db(t), "SELECT id, a, b FROM gt_items ORDER BY id") == Rows{"1|10|NULL", "2|20|NULL", "3|30|b3"});

  // Destructive (column a retyped): the run is refused before reading any input.
  write_text(t / "inbox/three.gt", "4,40\n");
  const auto refused =
      run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor", {{"variant", "v3_retyped"}})});
  CHECK(refused.status == 1);
  CHECK(refused.err.find("check_schema gt_items: table \"gt_items\": destructive schema change refused "
                         "(recorded version 2 -> new): column \"b\" removed; column \"a\" retyped INT64 -> TEXT") !=
        std::string::npos);
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_sources WHERE name = 'three.gt'") == "0");
  CHECK(sql_value(db(t), "SELECT count(*) FROM gt_items") == "3");
  const auto run = sql_rows(db(t), "SELECT status, sources_ingested, message FROM governance_runs ORDER BY started_at "
                                   "DESC LIMIT 1");
  REQUIRE(run.size() == 1);
  CHECK(run[0].rfind("refused|0|table \"gt_items\": destructive schema change refused", 0) == 0);
  CHECK(sql_rows(db(t), "SELECT outcome FROM governance_schema_changes WHERE kind = 'destructive'") == Rows{"refused"});
  // The refused run still gets its START and FAIL events.
  const auto events = openlineage_events(t);
  REQUIRE(events.size() == 6);
  CHECK(events[4]["eventType"] == "START");
  CHECK(events[5]["eventType"] == "FAIL");
  CHECK(events[5]["run"]["facets"]["errorMessage"]["message"].get<std::string>().find("retyped") != std::string::npos);

  // A removed column is refused too; the v2 pipeline still runs.
  CHECK(run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor", {{"variant", "v4_removed"}})}).status == 1);
  CHECK(run_cli(t, {"run", write_pipeline(t, "gt", "gt", "test_gov_extractor", {{"variant", "v2_added"}})}).status == 0);
  CHECK(sql_value(db(t), "SELECT count(*) FROM gt_items") == "4");
}
