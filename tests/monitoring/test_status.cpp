// `analytica status [--json]`: exit 0 healthy, 1 degraded, 2 failing, for
// each check the report makes.
#include "support.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace montest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Reports 2024-10..2024-12 ingested; "today" is chosen per test.
struct Ingested {
  DataDir d;
  Ingested() {
    d.add_reports({"2024-10", "2024-11", "2024-12"});
    const CliResult r = d.run();
    INFO(r.err);
    REQUIRE(r.status == 0);
  }
  CliResult status(const std::string& today, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"status", "--json", "--today", today};
    args.insert(args.end(), extra.begin(), extra.end());
    return analytica(d.data, args);
  }
};

json check(const json& report, const std::string& name) {
  for (const auto& c : report["checks"])
    if (c["name"] == name) return c;
  FAIL("no check " + name);
  return json();
}

}  // namespace

TEST_CASE("status: fresh data after a good run is healthy (exit 0)", "[status]") {
  Ingested f;
  const CliResult r = f.status("2025-01-20");
  INFO(r.out + r.err);
  REQUIRE(r.status == 0);
  const json j = json::parse(r.out);
  CHECK(j["status"] == "healthy");
  CHECK(j["exit_code"] == 0);
  for (const char* name : {"database", "runs", "freshness", "review", "sources", "disk"})
    CHECK(check(j, name)["status"] == "healthy");
  CHECK(j["freshness"]["newest_period"] == "2024-12");
  CHECK(j["freshness"]["expected_period"] == "2024-12");
  CHECK(j["database"]["integrity"] == "ok");
  CHECK(j["runs"][0]["pipeline"] == "creb");
  CHECK(j["runs"][0]["sources_ingested"] == 3);
  CHECK(j["sources"]["checked"] == 3);
  CHECK(j["disk"]["database_bytes"].get<double>() > 0);
  CHECK(j["disk"]["data_dir_bytes"].get<double>() >= j["disk"]["database_bytes"].get<double>());

  // The text form says the same.
  const CliResult text = analytica(f.d.data, {"status", "--today", "2025-01-20"});
  CHECK(text.status == 0);
  CHECK(text.out.find("analytica status: healthy") == 0);
  CHECK(text.out.find("freshness") != std::string::npos);
}

TEST_CASE("status: freshness against the grace days", "[status]") {
  Ingested f;
  // Early January: December's report is not due yet.
  CHECK(f.status("2025-01-03").status == 0);
  // February 10: January's report is late -> degraded.
  const CliResult late = f.status("2025-02-10");
  CHECK(late.status == 1);
  const json j = json::parse(late.out);
  CHECK(check(j, "freshness")["status"] == "degraded");
  CHECK(j["freshness"]["periods_behind"] == 1);
  CHECK(j["freshness"]["stale"] == true);
  CHECK(j["freshness"]["next_report_due"] == "2025-02-08");
  // Within a longer grace it is not late yet.
  CHECK(f.status("2025-02-10", {"--grace-days", "12"}).status == 0);
  // Two reports behind -> failing.
  CHECK(f.status("2025-03-15").status == 2);
  // Bad options are user errors.
  CHECK(f.status("2025-13-01").status == 2);
  CHECK(f.status("2025-01-20", {"--grace-days", "40"}).status == 2);
}

TEST_CASE("status: a failed last run is failing, a cancelled one degraded", "[status]") {
  Ingested f;
  std::ofstream(f.d.inbox / "00_broken.pdf") << "%PDF-1.4 nothing else";
  CHECK(f.d.run().status == 1);
  const CliResult r = f.status("2025-01-20");
  CHECK(r.status == 2);
  const json j = json::parse(r.out);
  CHECK(check(j, "runs")["status"] == "failing");
  CHECK(j["runs"][0]["status"] == "failed");
  CHECK(j["runs"][0]["sources_failed"] == 1);
  // The file fixed (removed) and a new good run: healthy again.
  fs::remove(f.d.inbox / "00_broken.pdf");
  CHECK(f.d.run().status == 0);
  CHECK(f.status("2025-01-20").status == 0);
  // A cancelled run (as governance records it).
  sql_exec(f.d.database,
           "UPDATE governance_runs SET status = 'cancelled' WHERE started_at = (SELECT MAX(started_at) FROM "
           "governance_runs)");
  const json c = json::parse(f.status("2025-01-20").out);
  CHECK(c["status"] == "degraded");
}

TEST_CASE("status: sources changed or missing since ingest are degraded", "[status]") {
  Ingested f;
  {
    std::ofstream out(f.d.report_path("2024-11"), std::ios::app | std::ios::binary);
    out << "\n% edited after ingest\n";
  }
  CliResult r = f.status("2025-01-20");
  CHECK(r.status == 1);
  json j = json::parse(r.out);
  REQUIRE(j["sources"]["changed"].size() == 1);
  CHECK(j["sources"]["changed"][0]["name"] == "11_2024_Calgary_Monthly_Stats_Package.pdf");
  CHECK(j["sources"]["changed"][0]["sha256"] != j["sources"]["changed"][0]["sha256_now"]);
  CHECK(check(j, "sources")["message"].get<std::string>().find("changed since ingest") != std::string::npos);
  // --no-source-hash skips the comparison.
  CHECK(f.status("2025-01-20", {"--no-source-hash"}).status == 0);
  fs::remove(f.d.report_path("2024-10"));
  j = json::parse(f.status("2025-01-20").out);
  CHECK(j["sources"]["missing"].size() == 1);
  // Ingesting the new version makes it current again.
  CHECK(f.d.run().status == 0);
  j = json::parse(f.status("2025-01-20").out);
  CHECK(j["sources"]["changed"].empty());
}

TEST_CASE("status: pending review items are counted and degrade", "[status]") {
  Ingested f;
  sql_exec(f.d.database,
           "CREATE TABLE review_queue (table_name TEXT, record_key TEXT, source_sha256 TEXT, id INTEGER, status TEXT, "
           "confidence REAL, reasons TEXT, is_current INTEGER);"
           "INSERT INTO review_queue VALUES ('t', 'k=1', 's', 1, 'pending', 0.4, 'x', 1), ('t', 'k=2', 's', 2, "
           "'pending', 0.5, 'y', 1), ('t', 'k=3', 's', 3, 'approved', 0.9, '', 1), "
           // superseded by a newer report's version of the record: not counted
           "('t', 'k=1', 'old', 4, 'pending', 0.2, 'z', 0);");
  const CliResult r = f.status("2025-01-20");
  CHECK(r.status == 1);
  const json j = json::parse(r.out);
  CHECK(j["review"]["pending"] == 2);
  CHECK(check(j, "review")["message"].get<std::string>().find("2 records wait") == 0);
  // Once a newer report replaced them, nothing waits any more.
  sql_exec(f.d.database, "UPDATE review_queue SET is_current = 0 WHERE status = 'pending'");
  const json later = json::parse(f.status("2025-01-20").out);
  CHECK(later["review"]["pending"] == 0);
  CHECK(check(later, "review")["status"] == "healthy");
}

TEST_CASE("status: no database, or a corrupt one, is failing (exit 2)", "[status]") {
  DataDir d;
  CliResult r = analytica(d.data, {"status", "--json"});
  CHECK(r.status == 2);
  json j = json::parse(r.out);
  CHECK(j["status"] == "failing");
  CHECK(check(j, "database")["status"] == "failing");
  CHECK(check(j, "database")["message"].get<std::string>().find("no database yet") != std::string::npos);

  Ingested f;
  // Scribble over the middle of the database file (pages of data, not the header).
  {
    std::fstream db(f.d.database, std::ios::in | std::ios::out | std::ios::binary);
    db.seekp(8192);
    const std::string junk(16384, '\x5a');
    db.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  r = f.status("2025-01-20");
  CHECK(r.status == 2);
  j = json::parse(r.out);
  CHECK(check(j, "database")["status"] == "failing");
}

TEST_CASE("status: --pipeline reads that pipeline's store and table prefix", "[status]") {
  Ingested f;
  const CliResult r = analytica(f.d.data, {"status", "--json", "--today", "2025-01-20", "--pipeline", f.d.pipeline.string()});
  INFO(r.err);
  CHECK(r.status == 0);
  // Freshness follows the pipeline's declared views (tables prefixed).
  CHECK(json::parse(r.out)["freshness"]["table"] == "housing_city_monthly");
  CHECK(json::parse(r.out)["freshness"]["datasets"].size() == 2);
  CHECK(analytica(f.d.data, {"status", "--help"}).status == 0);
}
