// The CREB pipeline as users run it: `analytica run config/pipelines/creb.json`
// on synthetic reports with known numbers (and on the real corpus where it is
// present), checked cell by cell in the SQLite database.
#include "support/support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kCityFields[] = {"month", "property_type", "sales", "new_listings", "inventory", "days_on_market",
                             "benchmark_price", "median_price", "average_price", "index"};
const char* kDistrictFields[] = {"month", "property_type", "district", "sales", "new_listings",
                                 "sales_to_new_listings_ratio_pct", "inventory", "months_of_supply",
                                 "benchmark_price", "yoy_benchmark_change_pct", "mom_benchmark_change_pct"};

json read_json(const fs::path& p) { return json::parse(read_text(p)); }

// A JSON value as sqlite3_column_text() prints the stored value.
std::string as_sql_text(const json& v) {
  if (v.is_null()) return "NULL";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    std::string s = v.dump();
    return s.find('.') == std::string::npos && s.find('e') == std::string::npos ? s + ".0" : s;
  }
  return v.dump();
}

template <size_t N>
std::string select_list(const char* (&fields)[N]) {
  std::string out;
  for (const char* f : fields) out += (out.empty() ? "\"" : ", \"") + std::string(f) + "\"";
  return out;
}

// Compares every cell of the expected records with what `table` holds for
// report_month; returns the number of cells compared.
template <size_t N>
size_t compare(const fs::path& db, const std::string& table, const json& records, const std::string& report_month,
               const char* (&fields)[N]) {
  const Rows got = sql_rows(db, "SELECT " + select_list(fields) + " FROM " + table + " WHERE report_month = '" +
                                    report_month + "' ORDER BY rowid");
  Rows want;
  for (const auto& r : records) {
    std::string row;
    for (const char* f : fields) row += (row.empty() ? "" : "|") + as_sql_text(r.at(f));
    want.push_back(row);
  }
  std::sort(want.begin(), want.end());
  Rows sorted = got;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == want);
  return want.size() * N;
}

CliResult run_creb(const TempDir& t) {
  return run_cli({"--data-dir", t.path.string(), "run", std::string(SOURCE_DIR) + "/config/pipelines/creb.json"});
}

std::string stem(const std::string& month) { return month.substr(5, 2) + "_" + month.substr(0, 4) + "_Calgary_Monthly_Stats_Package"; }

}  // namespace

TEST_CASE("a later report's figures win whatever the ingest order, earlier ones stay as revisions", "[creb]") {
  TempDir t;
  synth_reports(t / "reports", {"2025-02"}, {"--seed", "7"});
  synth_reports(t / "reports", {"2025-03"}, {"--seed", "7"});
  const json feb = read_json(t / "reports" / (stem("2025-02") + ".expected.json"));
  const json mar = read_json(t / "reports" / (stem("2025-03") + ".expected.json"));
  fs::create_directories(t / "inbox");
  // The newer report first, then the older one.
  fs::copy_file(t / "reports" / (stem("2025-03") + ".pdf"), t / "inbox" / (stem("2025-03") + ".pdf"));
  auto r = run_creb(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  fs::copy_file(t / "reports" / (stem("2025-02") + ".pdf"), t / "inbox" / (stem("2025-02") + ".pdf"));
  r = run_creb(t);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("2 input(s), 1 ingested, 1 unchanged, 0 failed") != std::string::npos);

  const fs::path db = t / "analytica.db";
  size_t cells = 0;
  cells += compare(db, "housing_city_monthly_revisions", mar["city_monthly"], "2025-03", kCityFields);
  cells += compare(db, "housing_city_monthly_revisions", feb["city_monthly"], "2025-02", kCityFields);
  cells += compare(db, "housing_district_monthly_revisions", feb["district_monthly"], "2025-02", kDistrictFields);
  cells += compare(db, "housing_district_monthly_revisions", mar["district_monthly"], "2025-03", kDistrictFields);
  // Months both reports print belong to the March report in the main table.
  CHECK(sql_rows(db, "SELECT DISTINCT report_month FROM housing_city_monthly WHERE month <= '2025-02'") ==
        Rows{"2025-03"});
  compare(db, "housing_city_monthly", mar["city_monthly"], "2025-03", kCityFields);
  CHECK(sql_rows(db, "SELECT count(*) FROM housing_district_monthly") == Rows{"72"});  // 36 per report month
  CHECK(sql_rows(db, "SELECT report_month, source_file FROM housing_document ORDER BY 1") ==
        Rows{"2025-02|" + stem("2025-02") + ".pdf", "2025-03|" + stem("2025-03") + ".pdf"});
  WARN("checked " << cells << " cells in the database against creb-synth's expected records");
}

TEST_CASE("drifted layouts land in the database exactly", "[creb]") {
  TempDir t;
  synth_reports(t / "inbox", {"2024-11"}, {"--seed", "7", "--drift", "all"});
  fs::remove(t / "inbox" / (stem("2024-11") + ".expected.json"));
  synth_reports(t / "expected", {"2024-11"}, {"--seed", "7", "--drift", "all"});
  const json expected = read_json(t / "expected" / (stem("2024-11") + ".expected.json"));
  const auto r = run_creb(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  compare(t / "analytica.db", "housing_city_monthly", expected["city_monthly"], "2024-11", kCityFields);
  compare(t / "analytica.db", "housing_district_monthly", expected["district_monthly"], "2024-11", kDistrictFields);
}

TEST_CASE("bad reports fail with the file and the reason, and write nothing", "[creb]") {
  TempDir t;
  synth_reports(t / "inbox", {"2025-01"}, {"--seed", "7"});
  fs::remove(t / "inbox" / (stem("2025-01") + ".expected.json"));
  write_text(t / "inbox/not_a_pdf.pdf", "hello, this is text");
  const std::string bytes = read_text(t / "inbox" / (stem("2025-01") + ".pdf"));
  write_text(t / "inbox/truncated.pdf", bytes.substr(0, bytes.size() / 2));
  const auto r = run_creb(t);
  CHECK(r.status == 1);
  CHECK(r.out.find("3 input(s), 1 ingested, 0 unchanged, 2 failed") != std::string::npos);
  CHECK(r.err.find("analytica: not_a_pdf.pdf: ") != std::string::npos);
  CHECK(r.err.find("analytica: truncated.pdf: ") != std::string::npos);
  const fs::path db = t / "analytica.db";
  CHECK(sql_rows(db, "SELECT DISTINCT source_file FROM housing_city_monthly") == Rows{stem("2025-01") + ".pdf"});
  CHECK(sql_rows(db, "SELECT name FROM governance_sources WHERE status = 'failed' ORDER BY name") ==
        Rows{"not_a_pdf.pdf", "truncated.pdf"});

  const auto e = run_cli({"extract", (t / "inbox/not_a_pdf.pdf").string(), "--extractor", "extractor_creb"});
  CHECK(e.status == 2);
  CHECK(e.out.empty());
  CHECK(e.err.rfind("analytica: " + (t / "inbox/not_a_pdf.pdf").string() + ": ", 0) == 0);
  CHECK(std::count(e.err.begin(), e.err.end(), '\n') == 1);
}

TEST_CASE("real CREB reports: extract prints the expected records and the pipeline stores every cell", "[creb][corpus]") {
  const std::string root = corpus_dir();
  const fs::path corpus = fs::path(root) / "creb";
  if (root.empty() || !fs::is_directory(corpus)) {
    WARN("SKIPPED: no CREB corpus at " << (root.empty() ? CORPUS_DIR : root) << "/creb (set ANALYTICA_CORPUS_DIR)");
    return;
  }
  TempDir t;
  fs::create_directories(t / "inbox");
  std::vector<fs::path> reports;
  for (const auto& e : fs::directory_iterator(corpus))
    if (e.path().extension() == ".pdf") reports.push_back(e.path());
  std::sort(reports.begin(), reports.end());
  REQUIRE_FALSE(reports.empty());
  size_t cells = 0;
  for (const auto& pdf : reports) {
    const json expected = read_json(fs::path(pdf).replace_extension(".expected.json"));
    const auto r = run_cli({"extract", pdf.string(), "--format", "json"});
    INFO(pdf << ": " << r.err);
    REQUIRE(r.status == 0);
    const json got = json::parse(r.out);
    CHECK(got["report_month"] == expected["report_month"]);
    CHECK(got["sha256"] == expected["sha256"]);
    CHECK(got["city_monthly"] == expected["city_monthly"]);
    CHECK(got["district_monthly"] == expected["district_monthly"]);
    fs::copy_file(pdf, t / "inbox" / pdf.filename());  // a temporary copy, removed with t
  }
  const auto r = run_creb(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  for (const auto& pdf : reports) {
    const json expected = read_json(fs::path(pdf).replace_extension(".expected.json"));
    const std::string month = expected["report_month"];
    cells += compare(t / "analytica.db", "housing_city_monthly_revisions", expected["city_monthly"], month, kCityFields);
    cells += compare(t / "analytica.db", "housing_district_monthly_revisions", expected["district_monthly"], month,
                     kDistrictFields);
  }
  WARN("real reports: " << reports.size() << " through extract and the pipeline, " << cells
                        << " stored cells compared with the expected records");
}
