// What readers see is what was approved (issue 10), and views declared by
// configuration alone (issue 11): the shipped CREB pipeline with its
// validators, a new version of a month with one altered figure, and every
// place a person or a program reads — the validated view, the dashboard's
// API and `analytica export` — before and after the decisions.
#include "support.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kKey = "month=2025-10|property_type=Total";
const std::string kAltered = "999999";

fs::path shipped_pipeline() { return fs::path(SOURCE_DIR) / "config/pipelines/creb.json"; }

// The benchmark price every reader shows for the key, one entry per place.
struct Seen {
  std::string view, api_view, api_market, export_csv;
};

std::string api_value(const json& answer) {
  for (const auto& ds : answer["datasets"])
    if (ds["id"] == "city")
      for (const auto& r : ds["rows"])
        if (r["key"] == kKey) return r["benchmark_price"].dump();
  return "none";
}

Seen seen(const fs::path& data, const fs::path& db) {
  Seen s;
  s.view = sql_value(db, "SELECT benchmark_price FROM housing_city_validated WHERE month = '2025-10' AND "
                         "property_type = 'Total'");
  {
    montest::Server server(data);
    s.api_view = api_value(json::parse(montest::http(server.port(), "/api/views/market").body));
    s.api_market = api_value(json::parse(montest::http(server.port(), "/api/market").body));
  }
  const CliResult out = montest::analytica(data, {"export", "market", "--dataset", "city"});
  REQUIRE(out.status == 0);
  for (size_t at = out.out.find("\n2025-10,Total,"); at != std::string::npos;) {
    const size_t start = at + 15;
    s.export_csv = out.out.substr(start, out.out.find(',', start) - start);
    break;
  }
  return s;
}

void require_everywhere(const Seen& s, const std::string& value) {
  INFO("validated view " << s.view << ", /api/views/market " << s.api_view << ", /api/market " << s.api_market
                         << ", export " << s.export_csv);
  CHECK(s.view == value);
  CHECK(s.api_view == value);
  CHECK(s.api_market == value);
  CHECK(s.export_csv == value);
}

std::string run(const fs::path& data) {
  const CliResult r = montest::analytica(data, {"run", shipped_pipeline().string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  return r.out;
}

}  // namespace

TEST_CASE("a doubtful new version never reaches readers until approved", "[views][review]") {
  TempDir tmp;
  const fs::path data = tmp / "data", inbox = data / "inbox", db = data / "analytica.db";
  synth_reports(inbox, {"2025-09", "2025-10"});
  run(data);
  const std::string approved = sql_value(db, "SELECT benchmark_price FROM housing_city_monthly WHERE month = "
                                             "'2025-10' AND property_type = 'Total'");
  REQUIRE(approved != kAltered);
  require_everywhere(seen(data, db), approved);

  // A new version of October with one altered figure: it waits for review,
  // and every reader keeps the earlier approved figure.
  synth_reports(tmp / "altered", {"2025-10"}, {"--set", "city_monthly/Total/2025-10/benchmark_price=" + kAltered});
  const std::string name = "10_2025_Calgary_Monthly_Stats_Package.pdf";
  fs::copy_file(tmp / "altered" / name, inbox / name, fs::copy_options::overwrite_existing);
  CHECK(contains(run(data), "1 record waits for review"));
  CHECK(sql_value(db, "SELECT benchmark_price FROM housing_city_monthly WHERE month = '2025-10' AND "
                      "property_type = 'Total'") == kAltered);
  require_everywhere(seen(data, db), approved);
  CHECK(sql_value(db, "SELECT review_fallback FROM housing_city_validated WHERE month = '2025-10' AND "
                      "property_type = 'Total'") == "1");
  const std::string item = sql_value(db, "SELECT id FROM review_queue WHERE record_key = '" + kKey +
                                             "' AND status = 'pending' AND is_current = 1");

  // Only with include=pending does the altered figure appear, marked.
  {
    montest::Server server(data);
    const json all = json::parse(montest::http(server.port(), "/api/views/market?include=pending").body);
    bool marked = false;
    for (const auto& ds : all["datasets"])
      for (const auto& r : ds["rows"])
        if (r["key"] == kKey && r["benchmark_price"].dump() == kAltered) marked = r["status"] == "pending";
    CHECK(marked);
  }

  // Rejected: still the earlier figure.
  REQUIRE(montest::analytica(data, {"review", "reject", item, "--reason", "typo in the benchmark"}).status == 0);
  require_everywhere(seen(data, db), approved);

  // The same rejected bytes under another name: nothing reopens.
  fs::copy_file(tmp / "altered" / name, inbox / ("copy_of_" + name));
  run(data);
  require_everywhere(seen(data, db), approved);
  CHECK(sql_value(db, "SELECT status FROM review_queue WHERE id = " + item) == "rejected");

  // Approved: the new figure everywhere.
  REQUIRE(montest::analytica(data, {"review", "approve", item, "--reason", "confirmed with the publisher"}).status == 0);
  require_everywhere(seen(data, db), kAltered);
}

TEST_CASE("a made-up report family is served from its views declaration alone", "[views]") {
  TempDir tmp;
  const fs::path data = tmp / "data";
  // A family the host has never heard of: a CSV of harvests by farm, read by
  // the generic CSV extractor, declared for readers in the pipeline only.
  write_text(data / "inbox" / "harvest.csv",
             "season,farm,tonnes,grade\n2023,North,12.5,a\n2024,North,14,a\n2023,South,9.25,b\n2025,South,10,b\n");
  const json pipeline = json::parse(R"({
    "name": "harvest",
    "table_prefix": "farm_",
    "sources": [{"plugin": "source_directory", "settings": {"path": "${data_dir}/inbox", "pattern": "*.csv"}}],
    "extractors": [{"plugin": "extractor_csv"}],
    "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}],
    "views": [{
      "id": "harvests", "title": "Harvests",
      "datasets": [{
        "id": "tonnes", "table": "harvest",
        "period": {"column": "season", "cadence": "yearly", "month": 9},
        "dimensions": [{"column": "farm", "label": "farm"}],
        "measures": [{"column": "tonnes", "label": "tonnes", "unit": "t", "format": "dec"}],
        "quality": {"column": "grade", "dim": ["b"]},
        "charts": [{"id": "tonnes", "measure": "tonnes", "series": "farm"}],
        "tables": [{"id": "farms", "rows": "farm", "columns": ["tonnes"]}]
      }]
    }]
  })");
  write_text(tmp / "harvest.json", pipeline.dump(2));
  const CliResult r = montest::analytica(data, {"run", (tmp / "harvest.json").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);

  montest::Server server(data);
  const json views = json::parse(montest::http(server.port(), "/api/views").body);
  REQUIRE(views.size() == 1);
  CHECK(views[0]["id"] == "harvests");
  const json answer = json::parse(montest::http(server.port(), "/api/views/harvests").body);
  const json& rows = answer["datasets"][0]["rows"];
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["season"] == 2023);
  CHECK(rows[3]["tonnes"] == 10.0);
  CHECK(montest::http(server.port(), "/view/harvests").status == 200);

  // Freshness judges the yearly dataset, and names the missing season.
  const CliResult status = montest::analytica(data, {"status", "--json", "--today", "2026-01-15"});
  const json health = json::parse(status.out);
  const json& ds = health["freshness"]["datasets"][0];
  CHECK(ds["dataset"] == "tonnes");
  CHECK(ds["newest_period"] == "2025");
  CHECK(ds["expected_period"] == "2025");
  CHECK(ds["missing_periods"].empty());
}
