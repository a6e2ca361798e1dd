// What governance keeps of each fetch (governance_fetches) and who reads
// it: a URL that keeps failing is a failed input, counted and listed by
// `analytica sources` with its error; the ETag and the last check stay
// visible after a 304; `status` warns once a fetch has failed for longer
// than fetch_warn_days (analytica.json) — time moved by writing the
// failure's start into the past, never by sleeping.
#include "sources_support.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <atomic>

using nlohmann::json;
using srctest::db;

namespace {

std::string one_item(const std::string& id) { return json::array({{{"id", id}, {"value", 1}}}).dump(); }

CliResult cli(const TempDir& dir, const std::vector<std::string>& args, const std::string& env = "") {
  std::vector<std::string> all = {"--data-dir", dir.path.string()};
  all.insert(all.end(), args.begin(), args.end());
  return run_cli(all, env);
}

// The row of `analytica sources --json` with this uri (null if none).
json source_row(const TempDir& dir, const std::string& uri) {
  const CliResult r = cli(dir, {"sources", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const json answer = json::parse(r.out);
  json found;
  for (const auto& s : answer["sources"])
    if (s["uri"] == uri) found = s;
  if (!found.is_object()) FAIL_CHECK("no source with uri " << uri << " in " << r.out);
  return found;
}

}  // namespace

TEST_CASE("a URL answering 500 every time is a failed input: counted, listed with its error, warned of after "
          "fetch_warn_days, cleared once it succeeds",
          "[sources][fetches]") {
  TestServer server;
  std::atomic<bool> down{true};
  server.http.Get("/files/down.json", [&](const httplib::Request&, httplib::Response& res) {
    if (down) {
      res.status = 500;
      res.set_content("broken", "text/plain");
      return;
    }
    res.set_header("ETag", "\"down-v1\"");
    res.set_content(one_item("d"), "application/json");
  });
  server.http.Get("/files/ok.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(one_item("ok"), "application/json");
  });
  server.start();
  TempDir dir;
  const std::string url = server.base() + "/files/down.json";
  const std::string pipe = srctest::write_pipeline(
      dir, srctest::items_pipeline({{"urls", {url, server.base() + "/files/ok.json"}}, {"expect", "json"}, {"retries", 1}}));
  const CliResult r = srctest::run(dir, pipe);
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "2 input(s), 1 ingested, 0 unchanged, 1 failed"));
  CHECK(contains(r.err, "down.json: HTTP 500 after 2 attempts"));
  CHECK(sql_value(db(dir), "SELECT status || '|' || sources_ingested || '|' || sources_failed FROM governance_runs") ==
        "failed|1|1");
  // No bytes, no version: the failure is kept per URL.
  CHECK(sql_value(db(dir), "SELECT count(*) FROM governance_sources WHERE uri = '" + url + "'") == "0");
  CHECK(sql_rows(db(dir), "SELECT name, succeeded_at IS NULL, first_failed_at = checked_at, last_error FROM "
                          "governance_fetches WHERE uri = '" + url + "'") ==
        Rows{"down.json|1|1|HTTP 500 after 2 attempts"});

  const json row = source_row(dir, url);
  REQUIRE(row.is_object());
  CHECK(row["status"] == "failed");
  CHECK(row["version"].is_null());
  CHECK(row["message"] == "HTTP 500 after 2 attempts");
  CHECK(row["failing_since"].is_string());
  const CliResult text = cli(dir, {"sources"});
  INFO(text.out);
  CHECK(contains(text.out, "down.json"));
  CHECK(contains(text.out, "    failed: HTTP 500 after 2 attempts (failing since "));
  CHECK(contains(text.out, "    url " + url + "  etag -  last checked "));

  // Failing for less than the default 3 days: no warning yet.
  CliResult status = cli(dir, {"status", "--json"});
  json checks = json::parse(status.out)["checks"];
  auto fetches_check = [](const json& checks) {
    for (const auto& c : checks)
      if (c["name"] == "fetches") return c;
    return json();
  };
  CHECK(fetches_check(checks)["status"] == "healthy");
  CHECK(contains(fetches_check(checks)["message"].get<std::string>(), "1 failing for at most 3 days"));

  // Five days later (the failure's start moved back, as the store keeps it).
  sql_exec(db(dir), "UPDATE governance_fetches SET first_failed_at = '2020-01-01T00:00:00.000Z' WHERE uri = '" + url + "'");
  status = cli(dir, {"status", "--today", "2020-01-06"});
  INFO(status.out);
  CHECK(contains(status.out, "fetch of " + url +
                                 " has failed for 5 days (since 2020-01-01T00:00:00.000Z): HTTP 500 after 2 attempts"));
  CHECK(status.status >= 1);
  // A threshold of 0 days in analytica.json: any failure is reported at once.
  write_text(dir / "analytica.json", R"({"fetch_warn_days": 0})");
  sql_exec(db(dir), "UPDATE governance_fetches SET first_failed_at = checked_at WHERE uri = '" + url + "'");
  status = cli(dir, {"status"}, "ANALYTICA_CONFIG=" + (dir / "analytica.json").string());
  INFO(status.out);
  CHECK(contains(status.out, "fetch of " + url + " has failed for 0 days (since "));
  write_text(dir / "analytica.json", R"({"fetch_warn_days": -1})");
  status = cli(dir, {"status"}, "ANALYTICA_CONFIG=" + (dir / "analytica.json").string());
  CHECK(status.status != 0);
  CHECK(contains(status.err, "fetch_warn_days: must not be negative"));

  // The publisher is back: the failure is over, the version is kept.
  down = false;
  const CliResult again = srctest::run(dir, pipe);
  INFO(again.err);
  CHECK(again.status == 0);
  CHECK(sql_rows(db(dir), "SELECT etag, first_failed_at IS NULL, last_error IS NULL, succeeded_at = checked_at FROM "
                          "governance_fetches WHERE uri = '" + url + "'") == Rows{"\"down-v1\"|1|1|1"});
  status = cli(dir, {"status", "--json"});
  CHECK(fetches_check(json::parse(status.out)["checks"])["message"] == "2 fetched inputs checked, none failing");
}

TEST_CASE("after a 304 run, sources shows the URL, the ETag and the new last check", "[sources][fetches]") {
  TestServer server;
  server.http.Get("/files/a.json", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("If-None-Match") == "\"a-v1\"") {
      res.status = 304;
      return;
    }
    res.set_header("ETag", "\"a-v1\"");
    res.set_content(one_item("a"), "application/json");
  });
  server.http.Get("/files/lm.json", [](const httplib::Request& req, httplib::Response& res) {
    const std::string stamp = "Wed, 01 Jan 2025 00:00:00 GMT";
    if (req.get_header_value("If-Modified-Since") == stamp) {
      res.status = 304;
      return;
    }
    res.set_header("Last-Modified", stamp);
    res.set_content(one_item("lm"), "application/json");
  });
  server.start();
  TempDir dir;
  const std::string a = server.base() + "/files/a.json", lm = server.base() + "/files/lm.json";
  const std::string pipe =
      srctest::write_pipeline(dir, srctest::items_pipeline({{"urls", {a, lm}}, {"expect", "json"}}));
  REQUIRE(srctest::run(dir, pipe).status == 0);
  const std::string first_check = sql_value(db(dir), "SELECT checked_at FROM governance_fetches WHERE uri = '" + a + "'");
  const CliResult second = srctest::run(dir, pipe);
  INFO(second.err);
  REQUIRE(second.status == 0);
  REQUIRE(server.seen("/files/a.json").size() == 2);
  CHECK(server.seen("/files/a.json")[1].if_none_match == "\"a-v1\"");  // answered 304
  CHECK(sql_rows(db(dir), "SELECT uri, etag, first_failed_at IS NULL FROM governance_fetches ORDER BY uri") ==
        Rows{a + "|\"a-v1\"|1", lm + "|Wed, 01 Jan 2025 00:00:00 GMT|1"});
  const std::string second_check =
      sql_value(db(dir), "SELECT checked_at FROM governance_fetches WHERE uri = '" + a + "'");
  CHECK(second_check > first_check);
  CHECK(sql_value(db(dir), "SELECT run_id FROM governance_fetches WHERE uri = '" + a + "'") ==
        sql_value(db(dir), "SELECT run_id FROM governance_runs ORDER BY started_at DESC LIMIT 1"));

  const json row = source_row(dir, a);
  REQUIRE(row.is_object());
  CHECK(row["status"] == "ingested");
  CHECK(row["etag"] == "\"a-v1\"");
  CHECK(row["last_checked"] == second_check);
  CHECK(row["failing_since"].is_null());
  const CliResult text = cli(dir, {"sources"});
  INFO(text.out);
  CHECK(contains(text.out, "    url " + a + "  etag \"a-v1\"  last checked " + second_check + "\n"));
  CHECK(contains(text.out, "    url " + lm + "  etag Wed, 01 Jan 2025 00:00:00 GMT  last checked "));
}
