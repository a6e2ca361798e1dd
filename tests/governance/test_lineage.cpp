// `analytica lineage`: where a record and each of its numbers came from.
// A CREB-like PDF from creb-synth is ingested; each number's page and box
// must be where creb-synth drew it, with the extractor's confidence (lower
// for a planted inconsistency). The validation status comes from
// review_queue when it exists.
#include "support.h"

#include "creb_synth/creb_synth.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

using namespace govtest;
using nlohmann::json;

namespace {

std::map<std::string, json> cells_by_column(const json& version) {
  std::map<std::string, json> out;
  for (const auto& c : version["cells"]) out[c["column"].get<std::string>()] = c;
  return out;
}

const creb_synth::Placement* placement(const creb_synth::Rendered& r, const std::string& key) {
  for (const auto& p : r.placements)
    if (p.key == key) return &p;
  return nullptr;
}

// The cell's page and box are where creb-synth drew the number.
void check_drawn_at(const json& cell, const creb_synth::Placement& p) {
  INFO(cell.dump() << " drawn at page " << p.page << " x " << p.x << " baseline " << p.baseline << " width " << p.width);
  CHECK(cell["page"] == p.page + 1);  // lineage pages are 1-based
  REQUIRE(cell["box"].is_array());
  const double x0 = cell["box"][0], y0 = cell["box"][1], x1 = cell["box"][2], y1 = cell["box"][3];
  CHECK(std::fabs(x0 - p.x) < 1.0);
  CHECK(std::fabs(x1 - (p.x + p.width)) < 1.5);
  CHECK(y0 < p.baseline);
  CHECK(p.baseline <= y1 + 0.5);
  CHECK(y1 - y0 < 2 * p.font_size);
}

}  // namespace

TEST_CASE("lineage of a CREB record gives the page, box and confidence of each number", "[lineage][creb]") {
  TempDir t;
  creb_synth::Options o;
  o.report_month = "2024-03";
  o.seed = 5;
  o.overrides["city_monthly/Total/2024-03/sales"] = 999;  // no longer the sum of the four types
  const creb_synth::Rendered drawn = creb_synth::render_report(o);
  const auto written = creb_synth::write_report((t / "inbox").string(), o);
  const std::string p = write_pipeline(t, "creb", "pdf", "extractor_creb", json::object(), json::object(), "housing_");
  const auto run = run_cli(t, {"run", p});
  INFO(run.err);
  REQUIRE(run.status == 0);

  const json lin = run_json(t, {"lineage", "housing_city_monthly", "month=2024-03", "property_type=Total", "--json"});
  REQUIRE(lin["records"].size() == 1);
  const json& version = lin["records"][0]["versions"][0];
  CHECK(version["source"]["sha256"] == written.expected["sha256"]);
  CHECK(version["source"]["name"] == drawn.file_name);
  CHECK(version["extractor"] == "extractor_creb");
  CHECK(version["run"]["pipeline"] == "creb");
  CHECK(version["validation"] == "not validated");
  const auto cells = cells_by_column(version);
  json expected;
  for (const auto& r : written.expected["city_monthly"])
    if (r["month"] == "2024-03" && r["property_type"] == "Total") expected = r;
  REQUIRE(expected.is_object());
  for (const char* field : {"sales", "new_listings", "inventory", "days_on_market", "benchmark_price", "median_price",
                            "average_price", "index"}) {
    INFO(field);
    REQUIRE(cells.count(field));
    const json& cell = cells.at(field);
    CHECK(cell["value"] == expected[field]);
    const auto* where = placement(drawn, std::string("city_monthly/Total/2024-03/") + field);
    REQUIRE(where);
    check_drawn_at(cell, *where);
    CHECK(cell["confidence"] == (std::string(field) == "sales" ? 0.8 : 1.0));
  }
  CHECK(cells.at("sales")["value"] == 999);

  // A district record: percentages and months of supply too.
  const json district = run_json(t, {"lineage", "housing_district_monthly", "month=2024-03",
                                     "property_type=Detached", "district=North", "--json"});
  REQUIRE(district["records"].size() == 1);
  const auto dcells = cells_by_column(district["records"][0]["versions"][0]);
  for (const char* field : {"sales", "new_listings", "sales_to_new_listings_ratio_pct", "inventory",
                            "months_of_supply", "benchmark_price", "yoy_benchmark_change_pct",
                            "mom_benchmark_change_pct"}) {
    INFO(field);
    const auto* where = placement(drawn, std::string("district_monthly/Detached/North/") + field);
    REQUIRE(where);
    REQUIRE(dcells.count(field));
    check_drawn_at(dcells.at(field), *where);
    CHECK(dcells.at(field)["confidence"].get<double>() > 0.0);
  }

  // The text form shows the same facts.
  const auto text = run_cli(t, {"lineage", "housing_city_monthly", "month=2024-03", "property_type=Total"});
  CHECK(text.status == 0);
  CHECK(text.out.find(drawn.file_name + " version 1 (current, values in store)") != std::string::npos);
  CHECK(text.out.find("validation  not validated") != std::string::npos);
  const auto sales_line = text.out.find("    sales ");
  REQUIRE(sales_line != std::string::npos);
  CHECK(text.out.substr(sales_line, text.out.find('\n', sales_line) - sales_line).find("0.80") != std::string::npos);

  // Quality: one number of the report below 0.95.
  CHECK(sql_rows(db(t), "SELECT confidence_min, conf_lt_50, conf_50_80, conf_80_95 FROM governance_quality WHERE "
                        "scope = 'source'") == Rows{"0.8|0|0|1"});
}

TEST_CASE("lineage shows review_queue's validation status, partial keys list every match, errors", "[lineage]") {
  TempDir t;
  write_text(t / "inbox/prices.csv", "region,id,price\nNorth,1,500000\nNorth,2,612000.5\nSouth,1,450000\n");
  const std::string p = write_pipeline(t, "csv", "csv", "extractor_csv", {{"key", {"region", "id"}}});
  REQUIRE(run_cli(t, {"run", p}).status == 0);

  const json one = run_json(t, {"lineage", "prices", "id=2", "region=North", "--json"});
  REQUIRE(one["records"].size() == 1);
  CHECK(one["records"][0]["record_key"] == "region=North|id=2");
  const json& v = one["records"][0]["versions"][0];
  CHECK(v["validation"] == "not validated");
  const auto cells = cells_by_column(v);
  CHECK(cells.at("price")["value"] == 612000.5);
  CHECK(cells.at("price")["page"] == 0);  // CSV: no page
  CHECK(cells.at("price")["box"].is_null());
  CHECK(cells.at("price")["confidence"] == 1.0);
  CHECK(v["matches_store"] == true);

  // Validation writes review_queue keyed like governance's lineage.
  const std::string sha = v["source"]["sha256"];
  sql_exec(db(t), "CREATE TABLE review_queue (table_name TEXT, record_key TEXT, source_sha256 TEXT, status TEXT, "
                  "confidence REAL, reasons TEXT);"
                  "INSERT INTO review_queue VALUES ('prices', 'region=North|id=2', '" + sha +
                      "', 'rejected', 0.3, 'price out of range')");
  const json reviewed = run_json(t, {"lineage", "prices", "region=North", "id=2", "--json"});
  CHECK(reviewed["records"][0]["versions"][0]["validation"] ==
        json{{"status", "rejected"}, {"confidence", 0.3}, {"reasons", "price out of range"}});
  const auto text = run_cli(t, {"lineage", "prices", "region=North", "id=2"});
  CHECK(text.out.find("validation  rejected (confidence 0.30): price out of range") != std::string::npos);

  // Part of the key: every record that matches.
  const json north = run_json(t, {"lineage", "prices", "region=North", "--json"});
  Rows keys;
  for (const auto& r : north["records"]) keys.push_back(r["record_key"]);
  CHECK(keys == Rows{"region=North|id=1", "region=North|id=2"});

  const auto no_table = run_cli(t, {"lineage", "nothing_here", "id=1"});
  CHECK(no_table.status == 2);
  CHECK(no_table.err.find("no lineage recorded for table nothing_here") != std::string::npos);
  const auto no_match = run_cli(t, {"lineage", "prices", "region=East"});
  CHECK(no_match.status == 2);
  CHECK(no_match.err.find("no record of prices matches region=East (its key columns: region, id)") != std::string::npos);
  CHECK(run_cli(t, {"lineage", "prices", "region"}).status == 2);
  CHECK(run_cli(t, {"lineage", "prices"}).status == 2);
}
