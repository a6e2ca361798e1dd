// source_socrata and extractor_json_records through config/pipelines/
// permits.json against a local SODA-like server: three pages by keyset, a
// new page between two runs, a run killed with SIGKILL between two pages
// and a complete second run (row counts and bookmark exact), rejected
// records, and the app token.
#include "../monitoring/support.h"
#include "sources_support.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <regex>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;
using srctest::db;

namespace {

constexpr const char* kPath = "/resource/c2es-76ed.json";

// A building permit as the portal's JSON has it: every value a string,
// null fields left out.
json permit(int n, const std::string& issued) {
  char num[32];
  std::snprintf(num, sizeof num, "BP2024-%05d", n);
  return {{"permitnum", num},
          {"applieddate", "2023-12-0" + std::to_string(1 + n % 9) + "T00:00:00.000"},
          {"issueddate", issued},
          {"permittype", "Residential Improvement Project"},
          {"permitclass", "1106 - Single Family House"},
          {"workclass", "New"},
          {"housingunits", std::to_string(1 + n % 3)},
          {"estprojectcost", std::to_string(100000 + n) + ".50"},
          {"communitycode", n % 2 ? "CHA" : "BRI"},
          {"communityname", n % 2 ? "CHAPARRAL" : "BRIDGELAND/RIVERSIDE"},
          {"latitude", "51.0" + std::to_string(n)},
          {"longitude", "-114.0" + std::to_string(n)}};
}

// The portal's answer to the keyset queries source_socrata makes: records
// with issueddate, after the bookmark (or from `since`), ordered by
// issueddate then permitnum, $limit of them.
class Portal {
 public:
  std::vector<json> records;
  std::mutex mu;
  std::function<bool(const httplib::Request&)> before;  // may answer for the portal (return true)

  // The requests asked so far, as they arrived (the server's own log has
  // them once answered, which a killed client's never is).
  std::vector<SeenRequest> asked() {
    std::lock_guard<std::mutex> lock(mu);
    return asked_;
  }

  void mount(TestServer& server) {
    server.http.Get(kPath, [this](const httplib::Request& req, httplib::Response& res) {
      {
        SeenRequest q;
        q.path = req.path;
        for (const auto& [k, v] : req.params) q.params[k] = v;
        q.app_token = req.get_header_value("X-App-Token");
        std::lock_guard<std::mutex> lock(mu);
        asked_.push_back(std::move(q));
      }
      if (before && before(req)) {
        res.status = 503;
        return;
      }
      const std::string where = req.get_param_value("$where");
      const int limit = std::stoi(req.get_param_value("$limit"));
      static const std::regex keyset(R"(\(issueddate > '([^']*)' OR \(issueddate = '([^']*)' AND permitnum > '([^']*)'\)\))");
      static const std::regex since(R"(issueddate >= '([^']*)')");
      std::smatch m;
      std::string after_date, after_key, from;
      const bool has_keyset = std::regex_search(where, m, keyset);
      if (has_keyset) after_date = m[1], after_key = m[3];
      if (std::regex_search(where, m, since)) from = m[1];
      if (req.get_param_value("$order") != "issueddate,permitnum") {
        res.status = 400;
        return;
      }
      std::vector<json> out;
      {
        std::lock_guard<std::mutex> lock(mu);
        out = records;
      }
      std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
        return std::make_pair(a.value("issueddate", ""), a.value("permitnum", "")) <
               std::make_pair(b.value("issueddate", ""), b.value("permitnum", ""));
      });
      json page = json::array();
      for (const auto& r : out) {
        const std::string d = r.value("issueddate", ""), k = r.value("permitnum", "");
        if (d.empty() || d < from) continue;
        if (has_keyset && !(d > after_date || (d == after_date && k > after_key))) continue;
        if (static_cast<int>(page.size()) < limit) page.push_back(r);
      }
      res.set_content(page.dump(), "application/json");
    });
  }
  void add(const json& r) {
    std::lock_guard<std::mutex> lock(mu);
    records.push_back(r);
  }

 private:
  std::vector<SeenRequest> asked_;
};

// permits.json pointed at the local portal, two records a page (its views
// block, docs/views.md, as shipped).
json permits_pipeline(const TestServer& server) {
  json p = srctest::shipped_pipeline("permits");
  json& s = p["sources"][0]["settings"];
  s["base_url"] = server.base();
  s["page_size"] = 2;
  s["retry_delay_ms"] = 50;
  s["retries"] = 0;
  p["monitors"] = json::array();
  return p;
}

// Resuming needs the host to pass analytica_input.bookmark_key/_value to
// governance unchanged and to offer sources host->query() (ABI 1.2).
constexpr const char* kNeedsHost =
    "governance_bookmarks stays empty and runs restart from `since` until the host passes the input's "
    "bookmark_key/bookmark_value to governance and gives sources host->query() (issue 16 report)";

std::string bookmark(const TempDir& dir) {
  return sql_value(db(dir), "SELECT value FROM governance_bookmarks");
}

const char* kTable = "city_building_permits";

// How many of the requests had `part` in their $where.
int count_where(const std::vector<SeenRequest>& seen, const std::string& part) {
  int n = 0;
  for (const auto& q : seen) n += contains(q.params.count("$where") ? q.params.at("$where") : "", part) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("permits.json reads three pages by keyset, sends the app token and stores the bookmark",
          "[sources][socrata]") {
  INFO(kNeedsHost);
  Portal portal;
  // Records 2 and 3 share an issue date across the page boundary.
  portal.add(permit(1, "2024-01-03T00:00:00.000"));
  portal.add(permit(2, "2024-01-05T00:00:00.000"));
  portal.add(permit(3, "2024-01-05T00:00:00.000"));
  portal.add(permit(4, "2024-02-10T00:00:00.000"));
  portal.add(permit(5, "2024-03-01T00:00:00.000"));
  portal.add(permit(6, "2023-06-01T00:00:00.000"));  // before `since`
  TestServer server;
  portal.mount(server);
  server.start();
  TempDir dir;
  const CliResult r = srctest::run(dir, srctest::write_pipeline(dir, permits_pipeline(server)), "SOCRATA_APP_TOKEN=test-token");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "5");
  CHECK(sql_value(db(dir), "SELECT count(*) FROM governance_sources WHERE status = 'ingested'") == "3");
  const auto seen = portal.asked();
  REQUIRE(seen.size() == 3);  // the third page is short: no fourth request
  for (const auto& s : seen) CHECK(s.app_token == "test-token");
  CHECK(count_where(seen, "issueddate >= '2024-01-01T00:00:00.000'") == 1);  // the first page only
  CHECK(count_where(seen, "(issueddate > '2024-01-05T00:00:00.000' OR (issueddate = '2024-01-05T00:00:00.000' "
                          "AND permitnum > 'BP2024-00002'))") == 1);
  CHECK(seen[0].params.at("$select").rfind("permitnum,", 0) == 0);
  CHECK(sql_rows(db(dir), std::string("SELECT permit_number, issued_date, issued_month, housing_units, estimated_cost, "
                                      "community_code, latitude FROM ") + kTable + " WHERE permit_number = 'BP2024-00004'") ==
        Rows{"BP2024-00004|2024-02-10|2024-02|2|100004.5|BRI|51.04"});
  CHECK(bookmark(dir) == "2024-03-01T00:00:00.000|BP2024-00005");
  CHECK(sql_value(db(dir), "SELECT bookmark_key FROM governance_bookmarks") ==
        "socrata:127.0.0.1:" + std::to_string(server.port()) + "/c2es-76ed");
  // The bookmark names the page that reached it (the last one), in the same run.
  CHECK(sql_value(db(dir), "SELECT count(*) FROM governance_bookmarks b JOIN governance_sources s ON s.sha256 = b.source_sha256 "
                           "AND s.run_id = b.run_id") == "1");
}

TEST_CASE("permits.json: a page published between two runs is read alone by the second", "[sources][socrata]") {
  INFO(kNeedsHost);
  Portal portal;
  for (int i = 1; i <= 5; ++i) portal.add(permit(i, "2024-01-1" + std::to_string(i) + "T00:00:00.000"));
  TestServer server;
  portal.mount(server);
  server.start();
  TempDir dir;
  const std::string pipe = srctest::write_pipeline(dir, permits_pipeline(server));
  REQUIRE(srctest::run(dir, pipe).status == 0);
  REQUIRE(portal.asked().size() == 3);
  CHECK(bookmark(dir) == "2024-01-15T00:00:00.000|BP2024-00005");

  for (int i = 6; i <= 8; ++i) portal.add(permit(i, "2024-02-0" + std::to_string(i - 5) + "T00:00:00.000"));
  const CliResult second = srctest::run(dir, pipe);
  INFO(second.err);
  REQUIRE(second.status == 0);
  const auto seen = portal.asked();
  REQUIRE(seen.size() == 5);  // two new pages; nothing read again from the start
  CHECK(count_where(seen, "issueddate = '2024-01-15T00:00:00.000' AND permitnum > 'BP2024-00005'") == 1);
  CHECK(count_where(seen, "issueddate >= '2024-01-01") == 1);  // only run 1 started from `since`
  CHECK(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "8");
  CHECK(bookmark(dir) == "2024-02-03T00:00:00.000|BP2024-00008");
  CHECK(sql_value(db(dir), "SELECT sources_ingested FROM governance_runs ORDER BY started_at DESC LIMIT 1") == "2");

  // Nothing new: one empty answer, nothing written.
  REQUIRE(srctest::run(dir, pipe).status == 0);
  CHECK(portal.asked().size() == 6);
  CHECK(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "8");
  CHECK(sql_value(db(dir), "SELECT count(*) FROM governance_lineage_records WHERE table_name = 'city_building_permits'") == "8");
}

TEST_CASE("permits.json: a run killed between two pages resumes after the last committed page",
          "[sources][socrata][kill]") {
  INFO(kNeedsHost);
  Portal portal;
  for (int i = 1; i <= 5; ++i) portal.add(permit(i, "2024-01-1" + std::to_string(i) + "T00:00:00.000"));
  TempDir dir;
  const std::string pidfile = dir.file("run.pid");
  std::atomic<bool> kill_next{true};
  std::atomic<int> killed{0};
  // The request for the second page arrives once the first page committed:
  // the run dies there, SIGKILL, with no chance to clean up.
  portal.before = [&](const httplib::Request& req) {
    if (!kill_next || !contains(req.get_param_value("$where"), "permitnum >")) return false;
    kill_next = false;
    for (int i = 0; i < 200 && (!fs::exists(pidfile) || read_text(pidfile).empty()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const pid_t pid = static_cast<pid_t>(std::stol(read_text(pidfile)));
    if (::kill(pid, SIGKILL) == 0) ++killed;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return true;
  };
  TestServer server;
  portal.mount(server);
  server.start();
  const std::string pipe = srctest::write_pipeline(dir, permits_pipeline(server));
  const std::string command =
      shell_command(analytica_words({TEST_PLUGIN_DIR, PLUGIN_DIR}, {"--data-dir", dir.path.string(), "run", pipe}),
                    "http_proxy= no_proxy=127.0.0.1") +
      " & echo $! > " + shell_quote(pidfile) + "; wait $!";
  const CliResult first = run_shell(command);
  REQUIRE(killed == 1);
  CHECK(first.status == 137);  // 128 + SIGKILL, as sh reports it
  CHECK(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "2");
  CHECK(bookmark(dir) == "2024-01-12T00:00:00.000|BP2024-00002");
  CHECK(sql_value(db(dir), "SELECT status FROM governance_runs") == "running");  // it never ended

  const CliResult second = srctest::run(dir, pipe);
  INFO(second.err);
  REQUIRE(second.status == 0);
  const auto seen = portal.asked();
  REQUIRE(seen.size() == 4);  // run 1: pages 1 and 2 (killed); run 2: pages 2 and 3
  int from_start = 0, after_page1 = 0;
  for (const auto& q : seen) {
    from_start += contains(q.params.at("$where"), "permitnum >") ? 0 : 1;
    after_page1 += contains(q.params.at("$where"), "permitnum > 'BP2024-00002'") ? 1 : 0;
  }
  CHECK(from_start == 1);   // run 2 did not start over
  CHECK(after_page1 == 2);  // page 2 asked by the killed run, and again by run 2
  CHECK(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "5");
  CHECK(sql_value(db(dir), std::string("SELECT count(DISTINCT permit_number) FROM ") + kTable) == "5");
  CHECK(sql_value(db(dir), "SELECT count(*) FROM governance_lineage_records WHERE table_name = 'city_building_permits'") == "5");
  CHECK(sql_value(db(dir), "SELECT count(*) FROM governance_sources WHERE status = 'ingested'") == "3");
  CHECK(bookmark(dir) == "2024-01-15T00:00:00.000|BP2024-00005");
}

TEST_CASE("extractor_json_records: records missing a required field or mistyped go to <table>_rejects with the reason",
          "[sources][json_records]") {
  Portal portal;
  portal.add(permit(1, "2024-01-03T00:00:00.000"));
  json bad_units = permit(2, "2024-01-04T00:00:00.000");
  bad_units["housingunits"] = "two";
  portal.add(bad_units);
  json no_number = permit(3, "2024-01-05T00:00:00.000");
  no_number.erase("permitnum");
  no_number["permitnum"] = "";
  portal.add(no_number);
  json no_units = permit(4, "2024-01-06T00:00:00.000");
  no_units.erase("housingunits");  // optional: stored as NULL
  no_units.erase("completeddate");
  portal.add(no_units);
  portal.add(permit(5, "2024-01-07T00:00:00.000"));
  TestServer server;
  portal.mount(server);
  server.start();
  TempDir dir;
  json p = permits_pipeline(server);
  p["sources"][0]["settings"]["page_size"] = 10;
  const CliResult r = srctest::run(dir, srctest::write_pipeline(dir, p));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(sql_rows(db(dir), std::string("SELECT permit_number, coalesce(housing_units, 'NULL') FROM ") + kTable +
                              " ORDER BY 1") ==
        Rows{"BP2024-00001|2", "BP2024-00004|NULL", "BP2024-00005|3"});
  const Rows rejects =
      sql_rows(db(dir), std::string("SELECT record_index, coalesce(record_key, ''), reason FROM ") + kTable + "_rejects ORDER BY 1");
  REQUIRE(rejects.size() == 2);
  CHECK(rejects[0] == "1|permit_number=BP2024-00002|housing_units: expected an integer, got \"two\"");
  CHECK(rejects[1] == "2||permit_number: required field \"permitnum\" is missing");
  CHECK(contains(r.err, "2 of 5 records rejected to the side table building_permits_rejects"));
}

TEST_CASE("permits.json declares its views over the table it writes", "[sources][socrata]") {
  const json p = srctest::shipped_pipeline("permits");
  const json& ds = p.at("views").at(0).at("datasets").at(0);
  CHECK(ds.at("table") == p["extractors"][0]["settings"]["table"]);
  std::set<std::string> columns;
  for (const auto& c : p["extractors"][0]["settings"]["columns"]) columns.insert(c["name"].get<std::string>());
  CHECK(columns.count(ds["period"]["column"].get<std::string>()));
  for (const auto& d : ds["dimensions"]) CHECK(columns.count(d["column"].get<std::string>()));
  for (const auto& m : ds["measures"])  // a count without "of" counts rows
    if (m.value("aggregate", "") != "count" || m.contains("of"))
      CHECK(columns.count(m.value("of", m["column"].get<std::string>())));
  CHECK(p["sources"][0]["settings"]["dataset"] == "c2es-76ed");
  CHECK(p["sources"][0]["settings"]["bookmark_column"] == "issueddate");
}

TEST_CASE("permits.json's view: new housing units issued per month by community, summed in SQL, as the dashboard "
          "reads it",
          "[sources][socrata][views]") {
  Portal portal;
  for (int i = 1; i <= 5; ++i) portal.add(permit(i, "2024-01-1" + std::to_string(i) + "T00:00:00.000"));
  for (int i = 6; i <= 8; ++i) portal.add(permit(i, "2024-02-0" + std::to_string(i - 5) + "T00:00:00.000"));
  json addition = permit(9, "2024-02-09T00:00:00.000");  // not new construction: left out by the view's where
  addition["workclass"] = "Addition";
  portal.add(addition);
  json no_units = permit(10, "2024-02-10T00:00:00.000");  // a permit without units: counted, adds nothing
  no_units.erase("housingunits");
  portal.add(no_units);
  TestServer server;
  portal.mount(server);
  server.start();
  TempDir dir;
  const CliResult r = srctest::run(dir, srctest::write_pipeline(dir, permits_pipeline(server)));
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "10");

  // What the synthetic pages add up to, month and community.
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> expected;  // -> units, permits
  for (const auto& p : portal.records) {
    if (p["workclass"] != "New") continue;
    auto& e = expected[{p["issueddate"].get<std::string>().substr(0, 7), p["communityname"].get<std::string>()}];
    e.first += p.contains("housingunits") ? std::stoll(p["housingunits"].get<std::string>()) : 0;
    e.second += 1;
  }
  REQUIRE(expected.size() == 4);

  montest::Server serve(dir.path);
  const montest::HttpReply reply = montest::http(serve.port(), "/api/views/permits");
  REQUIRE(reply.status == 200);
  const json answer = json::parse(reply.body);
  REQUIRE(answer["datasets"].size() == 1);
  const json& ds = answer["datasets"][0];
  CHECK(ds["measures"][0]["aggregate"] == "sum");
  CHECK(ds["measures"][0]["of"] == "housing_units");
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> got;
  for (const auto& row : ds["rows"]) {
    CHECK_FALSE(row.contains("key"));
    got[{row["issued_month"].get<std::string>(), row["community_name"].get<std::string>()}] = {
        row["new_units"].get<int64_t>(), row["permits"].get<int64_t>()};
  }
  CHECK(got == expected);
  // Oldest period first, then by community.
  CHECK(ds["rows"][0]["issued_month"] == "2024-01");
  CHECK(ds["rows"][0]["community_name"] == "BRIDGELAND/RIVERSIDE");
  // The same rows through `analytica export`.
  const CliResult exported = run_cli({"--data-dir", dir.path.string(), "export", "permits", "--format", "json"});
  INFO(exported.err);
  REQUIRE(exported.status == 0);
  CHECK(contains(exported.out, "\"new_units\":6"));
}

TEST_CASE("an aggregated view's mistakes are refused with the key path", "[sources][views]") {
  TempDir dir;
  json p = srctest::shipped_pipeline("permits");
  json& m = p["views"][0]["datasets"][0]["measures"];
  auto refused = [&](const std::string& why) {
    const std::string file = srctest::write_pipeline(dir, p);
    const CliResult r = run_cli({"--data-dir", dir.path.string(), "status", "--pipeline", file});
    INFO(r.err);
    CHECK(r.status != 0);
    CHECK(contains(r.err, why));
  };
  m[0]["aggregate"] = "median";
  refused("views[0].datasets[0].measures[0].aggregate: \"median\" is not one of sum, count, min, max, avg");
  m[0]["aggregate"] = "sum";
  m[1].erase("aggregate");
  refused("views[0].datasets[0].measures[1].aggregate: either every measure of a dataset is aggregated or none is");
  m[1]["aggregate"] = "count";
  m[1]["column"] = "community_name";
  refused("views[0].datasets[0].measures: \"community_name\" names both a measure and the period or a dimension");
}

TEST_CASE("permits.json: a page the portal keeps refusing is a failed input; the pages before it stay committed",
          "[sources][socrata][fetches]") {
  Portal portal;
  for (int i = 1; i <= 5; ++i) portal.add(permit(i, "2024-01-1" + std::to_string(i) + "T00:00:00.000"));
  portal.before = [](const httplib::Request& req) {  // the second page: 503, every time
    return contains(req.get_param_value("$where"), "permitnum > 'BP2024-00002'");
  };
  TestServer server;
  portal.mount(server);
  server.start();
  TempDir dir;
  const CliResult r = srctest::run(dir, srctest::write_pipeline(dir, permits_pipeline(server)));
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "2 input(s), 1 ingested, 0 unchanged, 1 failed"));
  CHECK(sql_value(db(dir), std::string("SELECT count(*) FROM ") + kTable) == "2");
  CHECK(bookmark(dir) == "2024-01-12T00:00:00.000|BP2024-00002");
  CHECK(sql_value(db(dir), "SELECT sources_failed FROM governance_runs") == "1");
  CHECK(sql_rows(db(dir), "SELECT last_error FROM governance_fetches WHERE first_failed_at IS NOT NULL") ==
        Rows{"HTTP 503"});
}
