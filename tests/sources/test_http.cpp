// source_http against a local server: conditional requests (ETag, then
// Last-Modified), new versions, retries on 5xx, a failing URL next to a
// good one, redirects, truncated, wrong-type, oversized and slow bodies,
// proxies, and the CREB range with a month not yet published — each through
// the real `analytica` into SQLite.
#include "sources_support.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>

namespace fs = std::filesystem;
using nlohmann::json;
using srctest::db;

namespace {

std::string items(const std::vector<std::pair<std::string, int>>& rows) {
  json a = json::array();
  for (const auto& [id, v] : rows) a.push_back({{"id", id}, {"value", v}});
  return a.dump();
}

// Files in the downloads directory whose names start with prefix.
int files_starting(const fs::path& dir, const std::string& prefix) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
  return n;
}

json state_of(const TempDir& dir) { return json::parse(read_text(dir / "downloads/.source_http-state.json")); }

}  // namespace

TEST_CASE("source_http downloads each URL once, and a second run sends the ETag, gets 304 and skips",
          "[sources][http]") {
  TestServer server;
  for (const std::string name : {"a", "b"})
    server.http.Get("/files/" + name + ".json", [name](const httplib::Request& req, httplib::Response& res) {
      const std::string etag = "\"" + name + "-v1\"";
      if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
      res.set_header("ETag", etag);
      res.set_content(items({{name + "1", 1}, {name + "2", 2}}), "application/json");
    });
  server.start();
  TempDir dir;
  const std::string pipe = srctest::write_pipeline(
      dir, srctest::items_pipeline({{"urls", {server.base() + "/files/a.json", server.base() + "/files/b.json"}},
                                    {"expect", "json"}}));
  const CliResult first = srctest::run(dir, pipe);
  INFO(first.err);
  REQUIRE(first.status == 0);
  CHECK(sql_value(db(dir), "SELECT count(*) FROM items") == "4");
  CHECK(sql_rows(db(dir), "SELECT uri, name, status FROM governance_sources ORDER BY name") ==
        Rows{server.base() + "/files/a.json|a.json|ingested", server.base() + "/files/b.json|b.json|ingested"});
  CHECK(fs::exists(dir / "downloads/a.json"));
  CHECK(state_of(dir)[server.base() + "/files/a.json"]["etag"] == "\"a-v1\"");
  CHECK(state_of(dir)[server.base() + "/files/a.json"]["last_status"] == "downloaded");
  REQUIRE(server.seen("/files/a.json").size() == 1);
  CHECK(server.seen("/files/a.json")[0].if_none_match.empty());
  CHECK(server.seen("/files/a.json")[0].user_agent.rfind("CalgaryAnalytica/", 0) == 0);
  CHECK(contains(server.seen("/files/a.json")[0].user_agent, "source_http"));

  const CliResult second = srctest::run(dir, pipe);
  INFO(second.err);
  REQUIRE(second.status == 0);
  const auto a = server.seen("/files/a.json");
  REQUIRE(a.size() == 2);
  CHECK(a[1].if_none_match == "\"a-v1\"");
  CHECK(state_of(dir)[server.base() + "/files/a.json"]["last_status"] == "not_modified");
  CHECK(sql_value(db(dir), "SELECT sources_ingested || '/' || sources_skipped FROM governance_runs "
                           "ORDER BY started_at DESC LIMIT 1") == "0/2");
  CHECK(sql_value(db(dir), "SELECT count(*) FROM items") == "4");
  CHECK(files_starting(dir / "downloads", ".download-") == 0);
}

TEST_CASE("source_http uses Last-Modified when there is no ETag, and a changed file becomes a new version",
          "[sources][http]") {
  TestServer server;
  std::atomic<int> version{1};
  server.http.Get("/files/lm.json", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string stamp = version == 1 ? "Wed, 01 Jan 2025 00:00:00 GMT" : "Sat, 01 Feb 2025 00:00:00 GMT";
    if (req.get_header_value("If-Modified-Since") == stamp) {
      res.status = 304;
      return;
    }
    res.set_header("Last-Modified", stamp);
    res.set_content(items({{"x", version * 10}}), "application/json");
  });
  server.start();
  TempDir dir;
  const std::string url = server.base() + "/files/lm.json";
  const std::string pipe = srctest::write_pipeline(dir, srctest::items_pipeline({{"urls", {url}}, {"expect", "json"}}));
  REQUIRE(srctest::run(dir, pipe).status == 0);
  REQUIRE(srctest::run(dir, pipe).status == 0);
  auto seen = server.seen("/files/lm.json");
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].if_modified_since == "Wed, 01 Jan 2025 00:00:00 GMT");
  CHECK(seen[1].if_none_match.empty());
  CHECK(sql_value(db(dir), "SELECT value FROM items") == "10");

  version = 2;  // the publisher replaces the file
  const CliResult third = srctest::run(dir, pipe);
  INFO(third.err);
  REQUIRE(third.status == 0);
  CHECK(sql_value(db(dir), "SELECT value FROM items") == "20");
  CHECK(sql_rows(db(dir), "SELECT version, status FROM governance_sources WHERE uri = '" + url + "' ORDER BY version") ==
        Rows{"1|superseded", "2|ingested"});
}

TEST_CASE("source_http retries a 500 and then ingests", "[sources][http]") {
  TestServer server;
  std::atomic<int> calls{0};
  server.http.Get("/files/flaky.json", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 500;
      res.set_content("oops", "text/plain");
      return;
    }
    res.set_content(items({{"f", 7}}), "application/json");
  });
  server.start();
  TempDir dir;
  const CliResult r =
      srctest::run_items(dir, {{"urls", {server.base() + "/files/flaky.json"}}, {"expect", "json"}, {"retries", 2}});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(calls == 2);
  CHECK(sql_value(db(dir), "SELECT value FROM items WHERE id = 'f'") == "7");
  CHECK(contains(r.err, "HTTP 500; retrying"));
}

TEST_CASE("source_http: a URL that keeps failing fails that input only, after its retries", "[sources][http]") {
  TestServer server;
  server.http.Get("/files/down.json", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  server.http.Get("/files/ok.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(items({{"ok", 1}}), "application/json");
  });
  server.start();
  TempDir dir;
  const std::string down = server.base() + "/files/down.json";
  const CliResult r =
      srctest::run_items(dir, {{"urls", {down, server.base() + "/files/ok.json"}}, {"expect", "json"}, {"retries", 2}});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(server.seen("/files/down.json").size() == 3);
  CHECK(contains(r.err, "down.json"));
  CHECK(contains(r.err, "HTTP 503 after 3 attempts"));
  CHECK(sql_value(db(dir), "SELECT count(*) FROM items WHERE id = 'ok'") == "1");
  CHECK_FALSE(fs::exists(dir / "downloads/down.json"));
  const json st = state_of(dir)[down];
  CHECK(st["last_status"] == "failed");
  CHECK_FALSE(st.value("failing_since", "").empty());
  // No file to hash, yet a failed input governance counts, kept under the URL.
  CHECK(sql_value(db(dir), "SELECT status || '|' || sources_ingested || '|' || sources_failed FROM governance_runs") ==
        "failed|1|1");
  CHECK(sql_value(db(dir), "SELECT last_error FROM governance_fetches WHERE uri = '" + down + "'") ==
        "HTTP 503 after 3 attempts");
}

TEST_CASE("source_http follows a redirect, and the input keeps the URL asked for", "[sources][http]") {
  TestServer server;
  server.http.Get("/files/old.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/files/new.json");
  });
  server.http.Get("/files/new.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(items({{"r", 3}}), "application/json");
  });
  server.start();
  TempDir dir;
  const std::string url = server.base() + "/files/old.json";
  const CliResult r = srctest::run_items(dir, {{"urls", {url}}, {"expect", "json"}});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(sql_value(db(dir), "SELECT value FROM items") == "3");
  CHECK(sql_value(db(dir), "SELECT uri FROM governance_sources") == url);
  CHECK(state_of(dir)[url]["redirected_to"] == server.base() + "/files/new.json");
}

TEST_CASE("source_http: a truncated body is retried and never lands in the downloads", "[sources][http]") {
  TestServer server;
  server.http.Get("/files/cut.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(1000, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
      const std::string part = "[{\"id\": \"a\", \"value\": 1}, {\"id\": \"b\"";
      sink.write(part.data(), part.size());
      return false;  // the connection closes 960 bytes short
    });
  });
  server.start();
  TempDir dir;
  const CliResult r = srctest::run_items(dir, {{"urls", {server.base() + "/files/cut.json"}}, {"retries", 1}});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(server.seen("/files/cut.json").size() == 2);
  CHECK_FALSE(fs::exists(dir / "downloads/cut.json"));
  CHECK(files_starting(dir / "downloads", ".download-") == 0);
  CHECK(state_of(dir)[server.base() + "/files/cut.json"]["last_status"] == "failed");
}

TEST_CASE("source_http: a body of the wrong type fails at once, unsaved", "[sources][http]") {
  TestServer server;
  server.http.Get("/creb/03_2024.pdf", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><body>Please log in</body></html>", "text/html");
  });
  server.http.Get("/files/notjson.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("[{\"id\": \"a\",", "application/json");
  });
  server.start();
  TempDir dir;
  json pipeline = srctest::items_pipeline({{"urls", {server.base() + "/creb/03_2024.pdf"}}, {"expect", "pdf"}});
  CliResult r = srctest::run(dir, srctest::write_pipeline(dir, pipeline));
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.err, "expected a PDF, got a body starting \"<html\""));
  CHECK(server.seen("/creb/03_2024.pdf").size() == 1);  // not retried
  CHECK_FALSE(fs::exists(dir / "downloads/03_2024.pdf"));

  pipeline = srctest::items_pipeline({{"urls", {server.base() + "/files/notjson.json"}}, {"expect", "json"}});
  r = srctest::run(dir, srctest::write_pipeline(dir, pipeline));
  CHECK(r.status == 1);
  CHECK(contains(r.err, "does not parse as JSON"));
  CHECK_FALSE(fs::exists(dir / "downloads/notjson.json"));
}

TEST_CASE("source_http: a body over the size limit is refused", "[sources][http]") {
  TestServer server;
  server.http.Get("/files/big.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(items({{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}), "application/json");
  });
  server.start();
  TempDir dir;
  const CliResult r = srctest::run_items(dir, {{"urls", {server.base() + "/files/big.json"}}, {"max_bytes", 20}});
  CHECK(r.status == 1);
  CHECK(contains(r.err, "larger than the limit of 20 bytes"));
  CHECK(server.seen("/files/big.json").size() == 1);
  CHECK_FALSE(fs::exists(dir / "downloads/big.json"));
}

TEST_CASE("source_http: a server slower than the timeout is retried, then that input fails", "[sources][http]") {
  TestServer server;
  std::atomic<int> calls{0};  // the server's log only has answered requests
  server.http.Get("/files/slow.json", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    res.set_content(items({{"s", 1}}), "application/json");
  });
  server.start();
  TempDir dir;
  const std::string pipe = srctest::write_pipeline(
      dir, srctest::items_pipeline({{"urls", {server.base() + "/files/slow.json"}}, {"timeout_seconds", 1}, {"retries", 1}}));
  const auto t0 = std::chrono::steady_clock::now();
  const CliResult r = srctest::run(dir, pipe);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.err, "Timeout"));
  CHECK(calls == 2);
  CHECK(took.count() < 5000);  // two one-second attempts, not two 2.5 s answers
  CHECK_FALSE(fs::exists(dir / "downloads/slow.json"));
}

TEST_CASE("source_http honours the proxy variables", "[sources][http]") {
  TestServer proxy;
  proxy.http.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(items({{"p", 5}}), "application/json");
  });
  proxy.start();
  TempDir dir;
  // A name that cannot resolve: only the proxy can answer it.
  const CliResult r =
      srctest::run_items(dir, {{"urls", {"http://data.analytica-test.invalid/files/p.json"}}, {"retries", 0}},
                         "http_proxy=" + proxy.base() + " no_proxy=");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(sql_value(db(dir), "SELECT value FROM items") == "5");
  REQUIRE(proxy.seen().size() == 1);
}

TEST_CASE("creb-fetch.json: monthly packages over a range, the newest month not yet published being no failure",
          "[sources][http][creb]") {
  TempDir reports;
  synth_reports(reports.path, {"2024-01", "2024-02"});
  TestServer server;
  server.http.Get(R"(/Housing_Statistics/documents/([0-9]{2}_[0-9]{4}_Calgary_Monthly_Stats_Package\.pdf))",
                  [&](const httplib::Request& req, httplib::Response& res) {
                    const fs::path f = reports / req.matches[1].str();
                    if (!fs::exists(f)) {
                      res.status = 404;
                      return;
                    }
                    res.set_header("ETag", "\"" + req.matches[1].str() + "\"");
                    res.set_content(read_text(f), "application/pdf");
                  });
  server.start();
  json pipeline = srctest::shipped_pipeline("creb-fetch");
  json& s = pipeline["sources"][0]["settings"];
  std::string tmpl = s["url_template"];
  tmpl = server.base() + tmpl.substr(tmpl.find('/', tmpl.find("://") + 3));
  s["url_template"] = tmpl;
  s["from"] = "2024-01";
  s["to"] = "2024-03";
  s["today"] = "2024-03";
  s["retry_delay_ms"] = 50;
  pipeline["monitors"] = json::array();
  TempDir dir;
  const CliResult r = srctest::run(dir, srctest::write_pipeline(dir, pipeline));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.err, "03_2024_Calgary_Monthly_Stats_Package.pdf: not yet published (HTTP 404)"));
  CHECK(sql_rows(db(dir), "SELECT report_month FROM housing_document ORDER BY 1") == Rows{"2024-01", "2024-02"});
  CHECK(sql_value(db(dir), "SELECT uri FROM governance_sources WHERE name = '01_2024_Calgary_Monthly_Stats_Package.pdf'") ==
        server.base() + "/Housing_Statistics/documents/01_2024_Calgary_Monthly_Stats_Package.pdf");
  CHECK(sql_value(db(dir), "SELECT count(*) FROM housing_city_monthly") != "0");
  CHECK(fs::exists(dir / "downloads/creb/02_2024_Calgary_Monthly_Stats_Package.pdf"));

  // A month long past that is missing is a failure, not "not yet published".
  s["from"] = "2023-12";
  const CliResult late = srctest::run(dir, srctest::write_pipeline(dir, pipeline));
  INFO(late.err);
  CHECK(late.status == 1);
  CHECK(contains(late.err, "12_2023_Calgary_Monthly_Stats_Package.pdf"));
  CHECK(contains(late.err, "HTTP 404"));
}
