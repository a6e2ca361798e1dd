// The source registry: identical bytes are a no-op, a changed report under
// the same name is a new version whose old records are marked superseded
// (and `impact` shows both), and `sources` flags files changed or missing
// on disk since ingest. `runs` lists the runs with their counts.
#include "support.h"

#include "creb_synth/creb_synth.h"

#include <catch2/catch.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using namespace govtest;
using nlohmann::json;

namespace {

// Everything a run writes about data: the data table and the lineage.
Rows data_and_lineage(const fs::path& file) {
  Rows all = sql_rows(file, "SELECT 'row', id, v FROM a ORDER BY id");
  for (const auto& r : sql_rows(file, "SELECT 'rec', table_name, record_key, source_sha256, run_id, written_at, "
                                      "superseded_by FROM governance_lineage_records ORDER BY 2, 3, 4"))
    all.push_back(r);
  for (const auto& r : sql_rows(file, "SELECT 'cell', table_name, record_key, column_name, source_sha256, value, "
                                      "confidence FROM governance_lineage_cells ORDER BY 2, 3, 4, 5"))
    all.push_back(r);
  for (const auto& r : sql_rows(file, "SELECT 'schema', table_name, version, sha256 FROM governance_schemas"))
    all.push_back(r);
  return all;
}

creb_synth::Written make_report(const fs::path& inbox, double total_sales = -1) {
  creb_synth::Options o;
  o.report_month = "2024-03";
  o.seed = 3;
  if (total_sales >= 0) o.overrides["city_monthly/Total/2024-03/sales"] = total_sales;
  return creb_synth::write_report(inbox.string(), o);
}

}  // namespace

TEST_CASE("re-ingesting identical bytes writes nothing but last_seen and the run", "[registry]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n2,20\n");
  const std::string p = write_pipeline(t, "csv", "csv", "extractor_csv", {{"key", {"id"}}});
  REQUIRE(run_cli(t, {"run", p}).status == 0);
  const Rows before = data_and_lineage(db(t));
  REQUIRE(before.size() > 6);
  const std::string first_seen = sql_value(db(t), "SELECT first_seen FROM governance_sources");
  const std::string last_seen = sql_value(db(t), "SELECT last_seen FROM governance_sources");

  const auto again = run_cli(t, {"run", p});
  CHECK(again.status == 0);
  CHECK(again.out.find("0 ingested, 1 unchanged, 0 failed; 0 records written") != std::string::npos);
  CHECK(data_and_lineage(db(t)) == before);
  CHECK(sql_rows(db(t), "SELECT first_seen, version, status FROM governance_sources") ==
        Rows{first_seen + "|1|ingested"});
  CHECK(sql_value(db(t), "SELECT last_seen FROM governance_sources") > last_seen);
  CHECK(sql_rows(db(t), "SELECT sources_ingested, sources_skipped, records, status FROM governance_runs "
                        "ORDER BY started_at") == Rows{"1|0|2|succeeded", "0|1|0|succeeded"});
  // The second run's quality row counts nothing.
  CHECK(sql_rows(db(t), "SELECT q.records FROM governance_quality q JOIN governance_runs r ON r.run_id = q.run_id "
                        "WHERE q.scope = 'run' ORDER BY r.started_at") == Rows{"2", "0"});
}

TEST_CASE("a modified report supersedes the old records, impact and lineage show both versions", "[registry][creb]") {
  TempDir t;
  const auto v1 = make_report(t / "inbox");
  const std::string p = write_pipeline(t, "creb", "pdf", "extractor_creb", json::object(), json::object(), "housing_");
  REQUIRE(run_cli(t, {"run", p}).status == 0);
  const std::string sha1 = v1.expected["sha256"];
  int64_t total_sales = -1;
  for (const auto& r : v1.expected["city_monthly"])
    if (r["month"] == "2024-03" && r["property_type"] == "Total") total_sales = r["sales"];
  REQUIRE(total_sales > 0);
  const std::string records1 =
      sql_value(db(t), "SELECT count(*) FROM governance_lineage_records WHERE source_sha256 = '" + sha1 + "'");

  const auto v2 = make_report(t / "inbox", 999);  // same file name, other bytes
  const std::string sha2 = v2.expected["sha256"];
  REQUIRE(sha1 != sha2);
  const auto r2 = run_cli(t, {"run", p});
  INFO(r2.err);
  REQUIRE(r2.status == 0);

  CHECK(sql_rows(db(t), "SELECT version, status, sha256, superseded_by, supersedes FROM governance_sources "
                        "ORDER BY version") ==
        Rows{"1|superseded|" + sha1 + "|" + sha2 + "|NULL", "2|ingested|" + sha2 + "|NULL|" + sha1});
  // Every record of the old version is marked, none is lost.
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_records WHERE source_sha256 = '" + sha1 +
                             "' AND superseded_by = '" + sha2 + "'") == records1);
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_records WHERE source_sha256 = '" + sha1 +
                             "' AND superseded_by IS NULL") == "0");
  CHECK(sql_value(db(t), "SELECT count(*) FROM governance_lineage_records WHERE source_sha256 = '" + sha2 +
                             "' AND superseded_by IS NULL") == records1);
  CHECK(sql_value(db(t), "SELECT sales FROM housing_city_monthly WHERE month = '2024-03' AND property_type = 'Total'") ==
        "999");

  // impact by path: both versions, by table.
  const json impact = run_json(t, {"impact", v2.pdf_path, "--json"});
  REQUIRE(impact["versions"].size() == 2);
  CHECK(impact["versions"][0]["sha256"] == sha1);
  CHECK(impact["versions"][0]["status"] == "superseded");
  CHECK(impact["versions"][1]["sha256"] == sha2);
  CHECK(std::to_string(impact["versions"][0]["records"].get<int64_t>()) == records1);
  CHECK(impact["records"].get<int64_t>() == 2 * std::stoll(records1));
  bool saw_city = false;
  for (const auto& table : impact["tables"])
    if (table["table"] == "housing_city_monthly") {
      saw_city = true;
      CHECK(table["current"] == table["superseded"]);
    }
  CHECK(saw_city);
  // impact by SHA-256 (and by a prefix of it): that version only.
  const json one = run_json(t, {"impact", sha1.substr(0, 12), "--json"});
  REQUIRE(one["versions"].size() == 1);
  CHECK(one["versions"][0]["superseded_by"] == sha2);
  const auto text = run_cli(t, {"impact", v2.pdf_path});
  CHECK(text.status == 0);
  CHECK(text.out.find("2 version(s)") != std::string::npos);
  CHECK(text.out.find("month=2024-03|property_type=Total") != std::string::npos);
  CHECK(run_cli(t, {"impact", "/no/such/file.pdf"}).status == 2);

  // lineage of the changed record: the current version first, with the new value.
  const json lin = run_json(t, {"lineage", "housing_city_monthly", "property_type=Total", "month=2024-03", "--json"});
  REQUIRE(lin["records"].size() == 1);
  const auto& versions = lin["records"][0]["versions"];
  REQUIRE(versions.size() == 2);
  CHECK(versions[0]["current"] == true);
  CHECK(versions[0]["matches_store"] == true);
  CHECK(versions[0]["source"]["version"] == 2);
  CHECK(versions[1]["current"] == false);
  CHECK(versions[1]["superseded_by"] == sha2);
  CHECK(versions[1]["matches_store"] == false);
  auto sales_of = [](const json& v) {
    for (const auto& c : v["cells"])
      if (c["column"] == "sales") return c["value"];
    return json();
  };
  CHECK(sales_of(versions[0]) == 999);
  CHECK(sales_of(versions[1]) == total_sales);
}

TEST_CASE("sources re-hashes files on disk and flags changed and missing ones", "[registry][integrity]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n");
  write_text(t / "inbox/b.csv", "id,w\n1,5\n");
  write_text(t / "inbox/c.csv", "id,x\n1,7\n");
  write_text(t / "inbox/d_bad.csv", "id,x\n1,7,8\n");  // fails: left no records, not checked
  const std::string p = write_pipeline(t, "csv", "csv", "extractor_csv", {{"key", {"id"}}});
  REQUIRE(run_cli(t, {"run", p}).status == 1);
  fs::remove(t / "inbox/d_bad.csv");
  auto clean = run_cli(t, {"sources", "--check"});
  CHECK(clean.status == 0);
  CHECK(clean.out.find("4 source version(s): 3 ok, 0 changed, 0 missing, 0 superseded, 1 failed (not checked)") !=
        std::string::npos);

  write_text(t / "inbox/a.csv", "id,v\n1,11\n");  // tampered after ingest
  fs::remove(t / "inbox/b.csv");
  const json s = run_json(t, {"sources", "--json"});
  std::map<std::string, std::string> integrity;
  for (const auto& row : s["sources"]) integrity[row["name"]] = row["integrity"];
  CHECK(integrity == std::map<std::string, std::string>{
                         {"a.csv", "changed"}, {"b.csv", "missing"}, {"c.csv", "ok"}, {"d_bad.csv", "not checked"}});
  CHECK(s["summary"]["changed"] == 1);
  CHECK(s["summary"]["missing"] == 1);
  for (const auto& row : s["sources"])
    if (row["name"] == "a.csv") CHECK(row["sha256_now"] != row["sha256"]);
  const auto check = run_cli(t, {"sources", "--check"});
  CHECK(check.status == 1);
  CHECK(check.err.find("2 source file(s) changed or missing since ingest") != std::string::npos);
  CHECK(check.out.find("changed on disk since ingest") != std::string::npos);

  // Ingesting the changed file makes it a new version: the old one is
  // superseded (not checked), the new one ok.
  REQUIRE(run_cli(t, {"run", p}).status == 0);
  const json after = run_json(t, {"sources", "--json"});
  Rows a_rows;
  for (const auto& row : after["sources"])
    if (row["name"] == "a.csv")
      a_rows.push_back(std::to_string(row["version"].get<int>()) + "|" + row["status"].get<std::string>() + "|" +
                       row["integrity"].get<std::string>());
  CHECK(a_rows == Rows{"1|superseded|superseded", "2|ingested|ok"});
}

TEST_CASE("runs lists recent runs newest first with counts, outcome and plugins", "[registry][runs]") {
  TempDir t;
  write_text(t / "inbox/a.csv", "id,v\n1,10\n2,20\n");
  const std::string p = write_pipeline(t, "csv", "csv", "extractor_csv", {{"key", {"id"}}});
  REQUIRE(run_cli(t, {"run", p}).status == 0);
  write_text(t / "inbox/bad.csv", "id,v\n1,10,extra\n");
  CHECK(run_cli(t, {"run", p}).status == 1);

  const json runs = run_json(t, {"runs", "--json"});
  REQUIRE(runs["runs"].size() == 2);
  const auto& newest = runs["runs"][0];
  CHECK(newest["status"] == "failed");
  CHECK(newest["sources"] == json{{"ingested", 0}, {"unchanged", 1}, {"failed", 1}});
  CHECK(newest["message"].get<std::string>().find("bad.csv") != std::string::npos);
  const auto& oldest = runs["runs"][1];
  CHECK(oldest["status"] == "succeeded");
  CHECK(oldest["records"] == 2);
  CHECK(oldest["config_sha256"].get<std::string>().size() == 64);
  bool saw_governance = false;
  for (const auto& plugin : oldest["plugins"]) {
    CHECK(plugin["sha256"].get<std::string>().size() == 64);
    CHECK(!plugin["version"].get<std::string>().empty());
    saw_governance = saw_governance || plugin["name"] == "governance";
  }
  CHECK(saw_governance);
  CHECK(oldest["quality"]["records"] == 2);
  CHECK(oldest["quality"]["confidence"]["min"] == 1.0);
  CHECK(run_json(t, {"runs", "--json", "--limit", "1"})["runs"].size() == 1);
  const auto text = run_cli(t, {"runs"});
  CHECK(text.status == 0);
  CHECK(text.out.find("succeeded") != std::string::npos);
  CHECK(text.out.find("failed") != std::string::npos);
  CHECK(run_cli(t, {"runs", "--limit", "0"}).status == 2);
}
