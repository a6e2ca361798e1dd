// The dashboard in a real browser: Debian's Chromium, headless, driven over
// the DevTools protocol. Pages load without console errors, the charts show
// the test database's figures, clicking a figure opens its lineage with the
// page crop. Screenshots go to <build>/tests/monitoring/screenshots.
#include "cdp.h"
#include "support.h"

#include <catch2/catch.hpp>

using namespace montest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string js(const std::string& s) { return json(s).dump(); }

}  // namespace

TEST_CASE("dashboard in headless Chromium: pages, charts, lineage drill-down", "[browser]") {
  const std::string chromium = find_chromium();
  INFO("Chromium is required (deployment/install-deps.sh installs the Debian package 'chromium')");
  REQUIRE(!chromium.empty());

  DataDir d;
  const std::string newest = expected_month();
  d.add_reports({add_months(newest, -3), add_months(newest, -2), add_months(newest, -1), newest});
  const CliResult run = d.run();
  INFO(run.err);
  REQUIRE(run.status == 0);
  // A review item, as validation writes them, for the read-only queue page.
  sql_exec(d.database,
           "CREATE TABLE review_queue (table_name TEXT, record_key TEXT, source_sha256 TEXT, id INTEGER, status TEXT, "
           "confidence REAL, reasons TEXT, is_current INTEGER);"
           "INSERT INTO review_queue VALUES ('housing_city_monthly', 'month=" +
               newest + "|property_type=Total', (SELECT sha256 FROM governance_sources LIMIT 1), 1, 'pending', 0.42, "
                        "'sales: outside the expected range', 1);"
                        "INSERT INTO review_queue VALUES ('housing_city_monthly', 'month=" +
               newest + "|property_type=Row', (SELECT sha256 FROM governance_sources LIMIT 1), 2, 'approved', 0.97, '', 1);");

  Server server(d.data);
  const fs::path shots = SCREENSHOT_DIR;
  Browser b(chromium, 1280, 900);

  // ---- overview
  b.navigate(server.base() + "/");
  b.wait_for("document.body.dataset.ready === 'overview'", "the overview page");
  const json health = json::parse(http(server.port(), "/api/health").body);
  CHECK(b.eval("document.getElementById('health-status').textContent") == health["status"]);
  CHECK(b.eval("document.querySelectorAll('#runs tbody tr').length") == 1);
  CHECK(b.eval("document.querySelector('#freshness .newest-period').textContent") == newest);
  b.screenshot(shots / "overview.png", true);

  // ---- market: the charts hold the database's figures
  b.navigate(server.base() + "/market");
  b.wait_for("document.body.dataset.ready === 'view:market'", "the market page");
  const auto city_points =
      sql_rows(d.database, "SELECT COUNT(*) FROM housing_city_monthly WHERE benchmark_price IS NOT NULL");
  CHECK(b.eval("document.querySelectorAll('#city-chart circle.point').length").dump() == city_points[0]);
  const auto types = sql_rows(d.database, "SELECT COUNT(DISTINCT property_type) FROM housing_city_monthly");
  CHECK(b.eval("document.querySelectorAll('#city-chart path.series').length").dump() == types[0]);
  const std::string total_key = "month=" + newest + "|property_type=Total";
  const std::string point = "#city-chart circle.point[data-key=" + js(total_key) + "]";
  const auto total = sql_rows(d.database, "SELECT benchmark_price, source_file FROM housing_city_monthly WHERE month = '" +
                                         newest + "' AND property_type = 'Total'");
  REQUIRE(total.size() == 1);
  const std::string total_price = total[0].substr(0, total[0].find('|'));
  const std::string total_file = total[0].substr(total[0].find('|') + 1);
  CHECK(b.eval("document.querySelector(" + js(point) + ").dataset.value") == total_price);
  const auto detached =
      sql_rows(d.database, "SELECT COUNT(*) FROM housing_district_monthly WHERE property_type = 'Detached' AND "
                      "benchmark_price IS NOT NULL");
  CHECK(b.eval("document.querySelectorAll('#district-chart circle.point').length").dump() == detached[0]);
  // Points sit higher for higher prices: the chart is drawn to scale.
  CHECK(b.eval("(() => { const ps = [...document.querySelectorAll('#city-chart circle.point')];"
               " const a = ps.reduce((m, p) => +p.dataset.value > +m.dataset.value ? p : m);"
               " const z = ps.reduce((m, p) => +p.dataset.value < +m.dataset.value ? p : m);"
               " return +a.getAttribute('cy') < +z.getAttribute('cy'); })()") == true);
  b.screenshot(shots / "market.png", true);

  // ---- click a chart point: its lineage and the page crop
  b.click(point);
  b.wait_for("(() => { const i = document.querySelector('#lineage-panel:not([hidden]) img.crop');"
             " return i && i.complete && i.naturalWidth > 0; })()",
             "the lineage panel with its page crop");
  CHECK(b.eval("document.getElementById('lineage-value').textContent") == total_price);
  const std::string panel = b.eval("document.getElementById('lineage-body').innerText");
  CHECK(panel.find(total_file) != std::string::npos);
  CHECK(panel.find("page") != std::string::npos);
  CHECK(panel.find("bounding box") != std::string::npos);
  CHECK(b.eval("document.querySelector('#lineage-panel img.crop').naturalWidth").get<int>() >= 200);
  const auto page = sql_rows(d.database,
                        "SELECT page FROM governance_lineage_cells c JOIN governance_sources s ON s.sha256 = "
                        "c.source_sha256 WHERE table_name = 'housing_city_monthly' AND record_key = '" +
                            total_key + "' AND column_name = 'benchmark_price' AND s.name = '" + total_file + "'");
  REQUIRE(page.size() == 1);
  CHECK(panel.find("page\n" + page[0]) != std::string::npos);
  b.screenshot(shots / "lineage-from-chart.png");

  // ---- click a table figure (a district's benchmark price)
  b.click("#lineage-close");
  b.wait_for("document.getElementById('lineage-panel').hidden", "the panel to close");
  b.click("#district-table td.fig[data-column='benchmark_price']");
  b.wait_for("(() => { const i = document.querySelector('#lineage-panel:not([hidden]) img.crop');"
             " return i && i.complete && i.naturalWidth > 0; })()",
             "the lineage of a district figure");
  const std::string clicked = b.eval("document.querySelector('#district-table td.fig.selected').dataset.value");
  CHECK(b.eval("document.getElementById('lineage-value').textContent") == clicked);
  CHECK(b.eval("document.getElementById('lineage-body').innerText").get<std::string>().find("district") !=
        std::string::npos);
  b.screenshot(shots / "lineage-from-table.png");

  // ---- sortable table: ascending on the first click of a header
  b.click("#lineage-close");
  b.click("#district-table th:nth-child(2)");
  CHECK(b.eval("document.querySelector('#district-table th:nth-child(2)').getAttribute('aria-sort')") ==
        "ascending");
  CHECK(b.eval("(() => { const v = [...document.querySelectorAll('#district-table tbody "
               "td:nth-child(2)')].map(t => +t.dataset.value); return v.every((x, i) => !i || v[i - 1] <= x); })()") ==
        true);

  // ---- the review queue, read-only
  b.navigate(server.base() + "/review");
  b.wait_for("document.body.dataset.ready === 'review'", "the review page");
  CHECK(b.eval("document.querySelectorAll('#view tbody tr').length") == 1);
  CHECK(b.eval("document.querySelector('#view tbody').innerText").get<std::string>().find("outside the expected") !=
        std::string::npos);
  b.screenshot(shots / "review.png");

  // ---- the lineage page for a deep link
  b.navigate(server.base() + "/lineage?table=housing_city_monthly&key=" + total_key + "&column=sales");
  b.wait_for("(() => { const i = document.querySelector('#view img.crop'); return i && i.complete && "
             "i.naturalWidth > 0; })()",
             "the lineage page's crop");
  b.screenshot(shots / "lineage-page.png");

  INFO("browser errors:\n" + [&] {
    std::string all;
    for (const auto& e : b.errors()) all += e + "\n";
    return all;
  }());
  CHECK(b.errors().empty());
  CHECK(fs::exists(shots / "market.png"));
  CHECK(png_size(read_text(shots / "market.png")).first == 1280);
}
