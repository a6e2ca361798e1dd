// Every cell of every real report in the corpus against its hand-checked .expected.json.
// The corpus is not part of the repository: without it these tests skip with a message.
#include "creb_report.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <set>

using testsupport::corpus_reports;

namespace {

bool skip_without_corpus(const std::vector<std::string>& reports) {
    if (!reports.empty()) return false;
    WARN("SKIPPED: no CREB corpus found (set ANALYTICA_CORPUS_DIR to the folder holding creb/*.pdf and "
         "*.expected.json; compile-time default: " CORPUS_DIR ")");
    return true;
}

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

TEST_CASE("corpus: every cell of every report matches its expected.json", "[corpus]") {
    const auto reports = corpus_reports();
    if (skip_without_corpus(reports)) return;
    size_t cells = 0, mismatches = 0;
    for (const std::string& pdf : reports) {
        std::string exp_path = pdf.substr(0, pdf.size() - 4) + ".expected.json";
        const nlohmann::json expected = nlohmann::json::parse(read_text(exp_path));
        creb::Report got;
        try {
            got = creb::read_report(pdf);
        } catch (const creb::Error& e) {
            FAIL_CHECK("read_report threw: " << e.what());
            ++mismatches;
            continue;
        }
        const auto cmp = testsupport::compare_with_expected(expected, got, base_name(pdf));
        cells += cmp.cells;
        mismatches += cmp.mismatches.size();
        for (const auto& m : cmp.mismatches) FAIL_CHECK(m);
        // The real reports read cleanly: no doubts, full confidence everywhere.
        for (const auto& w : got.warnings) FAIL_CHECK(base_name(pdf) << ": unexpected warning: " << w);
        for (const auto* set : {&got.city_monthly, &got.district_monthly}) {
            for (const auto& rec : *set) {
                for (const auto& f : rec.fields) {
                    CHECK(f.cell.confidence == 1.0);
                    CHECK(f.cell.page >= 1);
                    CHECK(f.cell.box.x1 > f.cell.box.x0);
                    CHECK(f.cell.box.y1 > f.cell.box.y0);
                }
            }
        }
    }
    std::cout << "corpus: checked " << cells << " cells in " << reports.size() << " reports, " << mismatches
              << " mismatches" << std::endl;
    WARN("checked " << cells << " cells in " << reports.size() << " reports, " << mismatches << " mismatches");
    CHECK(mismatches == 0);
}

TEST_CASE("corpus: provenance points at the printed cell", "[corpus]") {
    const auto reports = corpus_reports();
    if (skip_without_corpus(reports)) return;
    const creb::Report r = creb::read_report(reports.front());
    const nlohmann::json j = creb::to_expected_json(r, true);
    REQUIRE(j["city_monthly"].size() == r.city_monthly.size());
    const auto& prov = j["city_monthly"][0]["_provenance"];
    for (const auto& name : creb::city_field_names()) {
        INFO(name);
        REQUIRE(prov.contains(name));
        CHECK(prov[name]["page"].get<int>() >= 1);
        CHECK(prov[name]["bbox"].size() == 4);
        CHECK(prov[name]["confidence"].get<double>() == 1.0);
    }
    // Without provenance: exactly the expected.json keys.
    const nlohmann::json plain = creb::to_expected_json(r, false);
    std::set<std::string> keys;
    for (const auto& it : plain.items()) keys.insert(it.key());
    CHECK(keys == std::set<std::string>{"report_month", "city_monthly", "district_monthly"});
    for (const auto& it : plain["district_monthly"][0].items()) CHECK(it.key() != "_provenance");
    // All values of one record sit on one page, the labels' boxes included.
    const creb::Record& d = r.district_monthly.front();
    for (const auto& f : d.fields) CHECK(f.cell.page == d.fields.back().cell.page);
}

TEST_CASE("corpus: a truncated copy of a report is rejected with a reason", "[corpus][bad-input]") {
    const auto reports = corpus_reports();
    if (skip_without_corpus(reports)) return;
    testsupport::TempDir tmp;
    const std::string bytes = read_text(reports.front());
    for (double frac : {0.05, 0.5, 0.95}) {
        const std::string path = tmp.file("truncated.pdf");
        write_text(path, bytes.substr(0, static_cast<size_t>(static_cast<double>(bytes.size()) * frac)));
        INFO("truncated to " << frac * 100 << "%");
        try {
            (void)creb::read_report(path);
            FAIL("no creb::Error for a truncated file");
        } catch (const creb::Error& e) {
            const std::string msg = e.what();
            CHECK(msg.rfind(path + ": ", 0) == 0);
            CHECK(msg.find("truncated") != std::string::npos);
        }
    }
}
