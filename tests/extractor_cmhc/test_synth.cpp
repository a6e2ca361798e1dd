// Synthetic workbooks with known numbers, in every variation the real
// editions show, read back exactly: through the reader and through
// `analytica extract`.
#include "cmhc_test.h"
#include "rmr.h"

#include <catch2/catch.hpp>

#include <map>

using namespace cmhc_test;
namespace fs = std::filesystem;

namespace {

struct Variant {
  const char* name;
  cmhc_synth::Options options;
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  auto add = [&](const char* name, auto set) {
    cmhc_synth::Options o;
    set(o);
    v.push_back({name, o});
  };
  add("text cells", [](cmhc_synth::Options&) {});
  add("numeric cells with binary noise", [](cmhc_synth::Options& o) { o.numeric = true, o.seed = 2, o.survey_year = 2023; });
  add("titles over merged cells", [](cmhc_synth::Options& o) { o.merged_title = true, o.seed = 3; });
  add("headers on other rows", [](cmhc_synth::Options& o) { o.row_offset = 3, o.seed = 4; });
  add("labels with line breaks", [](cmhc_synth::Options& o) { o.line_breaks = true, o.seed = 5; });
  add("no legend, no contents sheet", [](cmhc_synth::Options& o) { o.no_legend = o.no_index = true, o.seed = 6; });
  add("all variations at once", [](cmhc_synth::Options& o) {
    o.numeric = o.merged_title = o.line_breaks = o.no_legend = o.no_index = true;
    o.row_offset = 2;
    o.seed = 7;
    o.survey_year = 2019;
  });
  return v;
}

}  // namespace

TEST_CASE("every synthetic value and change comes back exactly through extract", "[synth]") {
  TempDir t;
  for (const auto& v : variants()) {
    SECTION(v.name) {
      const fs::path file = t / (std::string("rmr-synth-") + std::to_string(v.options.seed) + ".xlsx");
      const json expected = synth(file, v.options);
      REQUIRE(expected.at("values").size() > 200);
      const json got = extract_json(file);
      const size_t matched = compare_records(expected, got);
      CHECK(matched == expected.at("values").size() + expected.at("changes").size());
      // The document row's survey is printed at the top, not repeated per record.
      CHECK_FALSE(got.at("values").at(0).contains("survey"));
    }
  }
}

TEST_CASE("the reader finds the same records as the expected file for many seeds", "[synth]") {
  TempDir t;
  for (unsigned seed = 10; seed < 22; ++seed) {
    cmhc_synth::Options o;
    o.seed = seed;
    o.numeric = seed % 2 == 0;
    o.row_offset = static_cast<int>(seed % 3);
    o.line_breaks = seed % 4 == 1;
    o.no_legend = seed % 5 == 0;
    const fs::path file = t / ("s" + std::to_string(seed) + ".xlsx");
    const json expected = synth(file, o);
    const rmr::Report r = rmr::read_report(file.string());
    INFO("seed " << seed);
    CHECK(r.survey == expected.at("survey").get<std::string>());
    REQUIRE(r.values.size() == expected.at("values").size());
    REQUIRE(r.changes.size() == expected.at("changes").size());
    std::map<std::string, const rmr::Value*> by_key;
    for (const auto& g : r.values) by_key[g.table + "|" + g.centre + "|" + g.group + "|" + g.period] = &g;
    size_t same = 0;
    for (const auto& e : expected.at("values")) {
      auto it = by_key.find(e.at("table").get<std::string>() + "|" + e.at("centre").get<std::string>() + "|" +
                            e.at("group").get<std::string>() + "|" + e.at("period").get<std::string>());
      if (it == by_key.end()) continue;
      const rmr::Value& g = *it->second;
      const bool value_ok = e.at("value").is_null() ? !g.value.has_value()
                                                    : g.value && *g.value == e.at("value").get<double>();
      same += value_ok && g.cell == e.at("cell").get<std::string>() &&
              g.reliability == (e.at("reliability").is_null() ? "" : e.at("reliability").get<std::string>()) &&
              g.flag == (e.at("flag").is_null() ? "" : e.at("flag").get<std::string>());
    }
    CHECK(same == r.values.size());
  }
}

TEST_CASE("provenance: the sheet as page, the cell as box, the cell name as data", "[synth]") {
  TempDir t;
  cmhc_synth::Options o;
  o.seed = 31;
  const json expected = synth(t / "p.xlsx", o);
  const json got = extract_json(t / "p.xlsx", {"--provenance"});
  // The Index sheet comes first, so Table 1.1.1 is the second sheet.
  const json& first = got.at("values").at(0);
  CHECK(first.at("cell") == "Table 1.1.1!" + expected.at("values").at(0).at("cell").get<std::string>());
  const json& prov = first.at("provenance").at("value");
  CHECK(prov.at("page") == 2);
  int col = -1, row = -1;
  REQUIRE(xlsx::parse_ref(expected.at("values").at(0).at("cell").get<std::string>(), col, row));
  CHECK(prov.at("box") == json::array({col, row, col + 1, row + 1}));
  // The centre's provenance is its row label; the period's its header cell.
  CHECK(first.at("provenance").at("centre").at("box").at(0) == 0);
  CHECK(first.at("provenance").at("centre").at("box").at(1) == row);
}
