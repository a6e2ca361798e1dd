// `analytica serve` over HTTP: /health follows health, /metrics is valid
// Prometheus text with the run history, the JSON API answers with the
// database's figures, crops are PNGs of the right page, and bad requests get
// a 4xx without taking the server down.
#include "support.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace montest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Fresh data: reports up to the month due today.
struct Fixture {
  DataDir d;
  std::string newest = expected_month();
  Fixture() {
    d.add_reports({add_months(newest, -2), add_months(newest, -1), newest});
    const CliResult r = d.run();
    INFO(r.err);
    REQUIRE(r.status == 0);
  }
};

std::string url_encode(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the Prometheus text format strictly enough to catch malformed
// lines: comments are HELP/TYPE, samples are name{labels} value.
std::vector<Sample> parse_prometheus(const std::string& text, std::vector<std::string>& bad,
                                     std::map<std::string, std::string>& types) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$)");
  const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  const std::regex comment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::smatch m;
    if (line[0] == '#') {
      if (!std::regex_match(line, m, comment)) bad.push_back(line);
      else if (m[1] == "TYPE") types[m[2]] = m[3];
      continue;
    }
    if (!std::regex_match(line, m, sample)) {
      bad.push_back(line);
      continue;
    }
    Sample s;
    s.name = m[1];
    const std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    s.value = std::stod(m[4]);
    out.push_back(s);
  }
  return out;
}

double metric(const std::vector<Sample>& samples, const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) match = match && s.labels.count(k) && s.labels.at(k) == v;
    if (match) return s.value;
  }
  FAIL("no sample " + name);
  return 0;
}

}  // namespace

TEST_CASE("serve: /health is JSON and its HTTP status follows health", "[http]") {
  Fixture f;
  {
    Server s(f.d.data);
    const HttpReply r = http(s.port(), "/health");
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Type").find("application/json") == 0);
    const json h = json::parse(r.body);
    CHECK(h["status"] == "healthy");
    CHECK(h["freshness"]["newest_period"] == f.newest);
    CHECK(h["runs"][0]["status"] == "succeeded");
    CHECK(r.header("X-Analytica-Health") == "healthy");
    CHECK(s.stop() == 0);  // SIGTERM: a clean exit
  }
  {
    // Judged from a year later the data are stale: failing, 503.
    Server s(f.d.data, {"--today", add_months(f.newest, 13) + "-15"});
    const HttpReply r = http(s.port(), "/health");
    CHECK(r.status == 503);
    CHECK(json::parse(r.body)["status"] == "failing");
    // The dashboard's own health call always answers 200 (it shows the status).
    CHECK(http(s.port(), "/api/health").status == 200);
  }
  {
    // One report late: degraded, still 200.
    Server s(f.d.data, {"--today", add_months(f.newest, 2) + "-15"});
    const HttpReply r = http(s.port(), "/health");
    CHECK(r.status == 200);
    CHECK(json::parse(r.body)["status"] == "degraded");
  }
}

TEST_CASE("serve: /health fails with 503 without a database, and recovers once there is one", "[http]") {
  DataDir d;
  Server s(d.data);
  const HttpReply r = http(s.port(), "/health");
  CHECK(r.status == 503);
  const json h = json::parse(r.body);
  CHECK(h["status"] == "failing");
  CHECK(h["checks"][0]["name"] == "database");
  CHECK(h["checks"][0]["status"] == "failing");
  CHECK(http(s.port(), "/api/market").status == 503);
  // Pages still load (they show the problem).
  CHECK(http(s.port(), "/").status == 200);
  d.add_reports({expected_month()});
  REQUIRE(d.run().status == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));  // past the reopen back-off and health cache
  CHECK(http(s.port(), "/health").status == 200);
}

TEST_CASE("serve: /metrics is Prometheus text with runs, records, failures, freshness, durations", "[http]") {
  Fixture f;
  // A second run with a broken file: one failed run, one failed source.
  std::ofstream(f.d.inbox / "broken.pdf") << "%PDF-1.4 not really";
  REQUIRE(f.d.run().status == 1);
  Server s(f.d.data);
  const HttpReply r = http(s.port(), "/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").find("text/plain; version=0.0.4") == 0);
  std::vector<std::string> bad;
  std::map<std::string, std::string> types;
  const auto samples = parse_prometheus(r.body, bad, types);
  INFO(r.body);
  CHECK(bad.empty());
  for (const auto& sample : samples) {
    // Every sample belongs to a declared family.
    std::string family = sample.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (!types.count(family) && family.size() > strlen(suffix) &&
          family.compare(family.size() - strlen(suffix), strlen(suffix), suffix) == 0)
        family = family.substr(0, family.size() - strlen(suffix));
    CHECK(types.count(family) == 1);
  }
  CHECK(types["analytica_runs_total"] == "counter");
  CHECK(types["analytica_run_duration_seconds"] == "histogram");
  CHECK(metric(samples, "analytica_runs_total", {{"pipeline", "creb"}, {"status", "succeeded"}}) == 1);
  CHECK(metric(samples, "analytica_runs_total", {{"pipeline", "creb"}, {"status", "failed"}}) == 1);
  CHECK(metric(samples, "analytica_sources_total", {{"pipeline", "creb"}, {"outcome", "failed"}}) == 1);
  CHECK(metric(samples, "analytica_sources_total", {{"pipeline", "creb"}, {"outcome", "ingested"}}) == 3);
  CHECK(metric(samples, "analytica_sources_total", {{"pipeline", "creb"}, {"outcome", "unchanged"}}) == 3);
  const auto records = sql_rows(f.d.database, "SELECT SUM(records) FROM governance_runs");
  CHECK(metric(samples, "analytica_records_written_total", {{"pipeline", "creb"}}) == std::stod(records[0]));
  CHECK(metric(samples, "analytica_run_duration_seconds_count", {{"pipeline", "creb"}}) == 2);
  CHECK(metric(samples, "analytica_run_duration_seconds_bucket", {{"pipeline", "creb"}, {"le", "+Inf"}}) == 2);
  CHECK(metric(samples, "analytica_last_run_success", {{"pipeline", "creb"}}) == 0);
  const double age = metric(samples, "analytica_data_freshness_seconds");
  CHECK(age >= 0);
  CHECK(age < 62 * 86400.0);  // the newest report's month ended at most two months ago
  CHECK(metric(samples, "analytica_health_status") == 2);  // the last run failed
  CHECK(metric(samples, "analytica_table_rows", {{"table", "housing_city_monthly"}}) ==
        std::stod(sql_rows(f.d.database, "SELECT COUNT(*) FROM housing_city_monthly")[0]));
  // monitor_metrics' textfile is appended: events, warnings/errors, progress.
  CHECK(metric(samples, "analytica_monitor_events_total", {{"pipeline", "creb"}, {"kind", "source_failed"}}) == 1);
  CHECK(metric(samples, "analytica_monitor_events_total", {{"pipeline", "creb"}, {"kind", "run_end"}}) == 2);
  CHECK(metric(samples, "analytica_monitor_run_in_progress", {{"pipeline", "creb"}}) == 0);
}

TEST_CASE("serve: JSON API answers with the database's figures", "[http]") {
  Fixture f;
  Server s(f.d.data);
  // The Market view (the shipped pipeline's declaration): its datasets'
  // rows are the approved figures, one per record, named by governance's
  // record key, as lineage does.
  const json market = json::parse(http(s.port(), "/api/market").body);
  CHECK(market == json::parse(http(s.port(), "/api/views/market").body));
  std::map<std::string, json> rows_of;
  for (const auto& ds : market["datasets"]) rows_of[ds["id"].get<std::string>()] = ds["rows"];
  CHECK(rows_of["city"].size() == std::stoul(sql_rows(f.d.database, "SELECT COUNT(*) FROM housing_city_monthly")[0]));
  CHECK(rows_of["district"].size() ==
        std::stoul(sql_rows(f.d.database, "SELECT COUNT(*) FROM housing_district_monthly")[0]));
  // A month all three reports print (each reprints the months before it).
  const std::string month = add_months(f.newest, -2);
  const std::string key = "month=" + month + "|property_type=Detached";
  const auto price = sql_rows(f.d.database, "SELECT benchmark_price FROM housing_city_monthly WHERE month = '" + month +
                                           "' AND property_type = 'Detached'");
  bool found = false;
  for (const auto& row : rows_of["city"])
    if (row["key"] == key) {
      found = true;
      CHECK(std::to_string(row["benchmark_price"].get<long long>()) == price[0]);
    }
  CHECK(found);
  for (const char* table : {"city_monthly", "district_monthly"}) {
    const auto known = sql_rows(f.d.database, std::string("SELECT DISTINCT record_key FROM governance_lineage_records WHERE "
                                                     "table_name = 'housing_") + table + "'");
    const std::set<std::string> keys(known.begin(), known.end());
    const json& rows = rows_of[std::string(table) == "city_monthly" ? "city" : "district"];
    REQUIRE(!rows.empty());
    size_t unknown = 0;
    for (const auto& row : rows) unknown += keys.count(row["key"].get<std::string>()) ? 0 : 1;
    CHECK(unknown == 0);
  }

  const json overview = json::parse(http(s.port(), "/api/overview").body);
  CHECK(overview["health"]["status"] == "healthy");
  CHECK(overview["runs"].size() == 1);

  // Lineage: every report that printed the record, the current one first.
  const HttpReply lr = http(s.port(), "/api/lineage?table=housing_city_monthly&key=" + url_encode(key) +
                                          "&column=benchmark_price");
  REQUIRE(lr.status == 200);
  const json lineage = json::parse(lr.body);
  CHECK(std::to_string(lineage["row"]["benchmark_price"].get<long long>()) == price[0]);
  REQUIRE(lineage["sources"].size() == 3);
  CHECK(lineage["sources"][0]["current"] == true);
  CHECK(lineage["sources"][0]["name"] == fs::path(f.d.report_path(f.newest)).filename().string());
  const json cell = lineage["sources"][0]["cells"]["benchmark_price"];
  CHECK(cell["page"].get<int>() >= 1);
  CHECK(cell["box"][2].get<double>() > cell["box"][0].get<double>());

  const json review = json::parse(http(s.port(), "/api/review").body);
  CHECK(review["available"] == false);

  // A run in flight, as monitor_metrics records it, shows on the overview
  // while its process lives (this test's process stands in for it).
  json state = json::parse(std::ifstream(f.d.data / "metrics" / "state.json"));
  json& current = state["pipelines"]["creb"]["current"];
  current["running"] = true;
  current["source"] = "next.pdf";
  current["pid"] = static_cast<int64_t>(getpid());  // on the host monitor_metrics recorded
  current["process_start"] = 0;                      // 0: not compared
  std::ofstream(f.d.data / "metrics" / "state.json") << state.dump();
  const json busy = json::parse(http(s.port(), "/api/overview").body);
  REQUIRE(busy["in_progress"].size() == 1);
  CHECK(busy["in_progress"][0]["pipeline"] == "creb");
  CHECK(busy["in_progress"][0]["source"] == "next.pdf");
}

TEST_CASE("serve: /api/crop renders the cell's page region as a PNG", "[http]") {
  Fixture f;
  Server s(f.d.data);
  const std::string q = "/api/crop?table=housing_city_monthly&key=" +
                        url_encode("month=" + f.newest + "|property_type=Total") + "&column=benchmark_price";
  const HttpReply r = http(s.port(), q);
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "image/png");
  const auto [w, h] = png_size(r.body);
  // The extractor draws it (analytica.preview/1): the cell with its row
  // label and column header, which may sit right above it.
  CHECK(w >= 200);
  CHECK(h >= 30);
  CHECK(w <= 1600);
  // A larger scale gives a larger image; out-of-range scales are refused.
  const auto [w3, h3] = png_size(http(s.port(), q + "&scale=3").body);
  CHECK(w3 > w);
  CHECK(h3 > h);
  CHECK(http(s.port(), q + "&scale=100").status == 400);
  CHECK(http(s.port(), q + "&scale=abc").status == 400);
  // A column without a page position (document facts) has no crop.
  CHECK(http(s.port(), "/api/crop?table=housing_document&key=" + url_encode("report_month=" + f.newest) +
                           "&column=report_month")
            .status == 404);
  // The file changed since ingest: the recorded box would lie.
  {
    std::ofstream out(f.d.report_path(f.newest), std::ios::app | std::ios::binary);
    out << "\n% appended\n";
  }
  const HttpReply changed = http(s.port(), q + "&scale=1.5");
  CHECK(changed.status == 409);
  CHECK(json::parse(changed.body)["error"].get<std::string>().find("changed since ingest") != std::string::npos);
  // And gone.
  fs::remove(f.d.report_path(f.newest));
  CHECK(http(s.port(), q + "&scale=1.25").status == 404);
}

TEST_CASE("serve: bad requests get a 4xx and never crash the server", "[http]") {
  Fixture f;
  Server s(f.d.data);
  const int p = s.port();
  auto status = [&](const std::string& target) { return http(p, target).status; };
  CHECK(status("/no/such/page") == 404);
  CHECK(json::parse(http(p, "/no/such/page").body)["error"].get<std::string>().find("no such page") !=
        std::string::npos);
  CHECK(status("/api/nothing") == 404);
  CHECK(status("/api/lineage") == 400);                                   // missing parameters
  CHECK(status("/api/lineage?table=housing_city_monthly") == 400);        // missing key
  CHECK(status("/api/lineage?table=x%3B+DROP+TABLE+t&key=a%3D1") == 400);  // not a table name
  CHECK(status("/api/lineage?table=housing_city_monthly&key=nonsense") == 400);
  CHECK(status("/api/lineage?table=housing_city_monthly&key=month%3D1999-01%7Cproperty_type%3DTotal") == 404);
  CHECK(status("/api/lineage?table=housing_city_monthly&key=a%3D1&key=b%3D2") == 400);  // repeated
  CHECK(status("/api/market?unexpected=1") == 400);
  CHECK(status("/api/review?limit=0") == 400);
  CHECK(status("/api/review?limit=12abc") == 400);
  CHECK(status("/api/review?status=%27%3B") == 400);
  CHECK(status("/api/crop?table=housing_city_monthly&key=a%3D1&column=x&source=zz") == 400);
  CHECK(status("/api/crop?table=housing_city_monthly&key=a%3D1&column=sales") == 404);
  CHECK(status("/api/lineage?table=housing_city_monthly&key=%ZZ%%") == 400);  // malformed escapes
  // A huge query string: 414 from the HTTP layer, or 414 for one huge parameter.
  CHECK(status("/api/market?" + std::string(20000, 'a')) == 414);
  CHECK(status("/api/lineage?table=housing_city_monthly&key=" + std::string(5000, 'k')) == 414);
  // Methods other than GET/HEAD.
  const HttpReply post = http(p, "/health", "POST");
  CHECK(post.status == 405);
  CHECK(post.header("Allow") == "GET, HEAD");
  CHECK(http(p, "/api/market", "DELETE").status == 405);
  // Not HTTP at all, and a header flood.
  CHECK(http_raw(p, "HELLO\r\n\r\n").status == 400);
  CHECK(http_raw(p, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n").status >= 400);
  // Many requests at once.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      const char* targets[] = {"/api/market", "/health", "/metrics", "/api/overview"};
      if (http(p, targets[i % 4]).status == 200) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok.load() == 16);
  // Still alive and well.
  CHECK(status("/health") == 200);
  CHECK(status("/app.js") == 200);
  CHECK(status("/style.css") == 200);
  CHECK(status("/favicon.ico") == 200);
  const HttpReply page = http(p, "/market");
  CHECK(page.status == 200);
  CHECK(page.header("Content-Security-Policy").find("default-src 'self'") == 0);
  CHECK(page.body.find("<script src=\"/app.js\"") != std::string::npos);
  // Nothing is fetched from elsewhere: no absolute URLs in the pages.
  for (const char* asset : {"/", "/app.js", "/style.css"}) {
    const std::string body = http(p, asset).body;
    CHECK(body.find("https://") == std::string::npos);
    // (the SVG namespace name is an identifier, not a fetch)
    CHECK(std::regex_replace(body, std::regex("http://www\\.w3\\.org/2000/svg"), "").find("http://") ==
          std::string::npos);
  }
}

TEST_CASE("serve: binds to loopback unless told otherwise", "[http]") {
  DataDir d;
  Server s(d.data);
  // The startup line names 127.0.0.1 (Server checks it), and the socket is
  // bound there: the port answers on loopback.
  CHECK(http(s.port(), "/").status == 200);
  const CliResult bad = analytica(d.data, {"serve", "--host", "192.0.2.1", "--port", "0"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("cannot listen") != std::string::npos);
  CHECK(analytica(d.data, {"serve", "--port", "70000"}).status == 2);
}
