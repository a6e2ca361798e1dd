// The real workbooks of ../shared/corpus/cmhc: every value and change of
// each .expected.json, through `analytica extract` and through the cmhc
// pipeline into SQLite. Skipped with a message when the corpus is absent.
#include "cmhc_test.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <initializer_list>
#include <iostream>

using namespace cmhc_test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> corpus_workbooks() {
  std::vector<fs::path> out;
  const std::string dir = corpus_cmhc();
  if (dir.empty()) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".xlsx" && fs::exists(fs::path(e.path()).replace_extension(".expected.json")))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

json expected_of(const fs::path& xlsx) { return json::parse(read_text(fs::path(xlsx).replace_extension(".expected.json"))); }

// A JSON value as sqlite3_column_text() prints the stored value.
std::string as_sql_text(const json& v) {
  if (v.is_null()) return "NULL";
  if (v.is_string()) return v.get<std::string>();
  std::string s = json(v.get<double>()).dump();  // the column is REAL
  return s.find('.') == std::string::npos && s.find('e') == std::string::npos ? s + ".0" : s;
}

// The expected `records` as sql_rows() prints their revisions rows: the `text`
// fields (strings), the `nullable` fields, then the cell as "Table <table>!<cell>".
// Sorted.
Rows expected_rows(const json& records, std::initializer_list<const char*> text,
                   std::initializer_list<const char*> nullable) {
  Rows rows;
  for (const auto& r : records) {
    std::string row;
    for (const char* f : text) row += r.at(f).get<std::string>() + "|";
    for (const char* f : nullable) row += as_sql_text(r.at(f)) + "|";
    rows.push_back(row + "Table " + r.at("table").get<std::string>() + "!" + r.at("cell").get<std::string>());
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

Rows sorted_rows(const fs::path& db, const std::string& sql) {
  Rows rows = sql_rows(db, sql);
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("every value and change of the real workbooks, through extract", "[corpus]") {
  const auto books = corpus_workbooks();
  if (books.empty()) {
    WARN("SKIPPED: no CMHC workbooks under " << (corpus_dir().empty() ? std::string(CORPUS_DIR) : corpus_dir())
                                             << "/cmhc (set ANALYTICA_CORPUS_DIR)");
    return;
  }
  for (const auto& book : books) {
    INFO(book.filename().string());
    const json expected = expected_of(book);
    const size_t matched = compare_records(expected, extract_json(book));
    CHECK(matched == expected.at("values").size() + expected.at("changes").size());
    std::cout << "extractor_cmhc corpus: " << book.filename().string() << ": " << matched << " of "
              << expected.at("values").size() + expected.at("changes").size() << " records matched ("
              << expected.at("values").size() << " values, " << expected.at("changes").size() << " changes)\n";
  }
}

TEST_CASE("every value and change of the real workbooks, through the pipeline into SQLite", "[corpus][pipeline]") {
  const auto books = corpus_workbooks();
  if (books.empty()) {
    WARN("SKIPPED: no CMHC workbooks under the corpus folder (set ANALYTICA_CORPUS_DIR)");
    return;
  }
  TempDir t;
  fs::create_directories(t / "inbox");
  for (const auto& b : books) fs::copy_file(b, t / "inbox" / b.filename());
  const CliResult r = run_pipeline(t.path, "cmhc");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const fs::path db = t / "analytica.db";
  for (const auto& book : books) {
    INFO(book.filename().string());
    const json expected = expected_of(book);
    const std::string survey = expected.at("survey");
    // Each workbook's own figures stay in the revisions, keyed by its survey.
    const Rows got = sorted_rows(db, "SELECT \"table\", centre, \"group\", period, value, reliability, flag, cell "
                                     "FROM rental_values_revisions WHERE survey = '" + survey + "'");
    const Rows want =
        expected_rows(expected.at("values"), {"table", "centre", "group", "period"}, {"value", "reliability", "flag"});
    CHECK(got.size() == want.size());
    CHECK(got == want);
    const Rows got_changes = sorted_rows(db, "SELECT \"table\", centre, \"group\", \"from\", \"to\", direction, cell "
                                             "FROM rental_changes_revisions WHERE survey = '" + survey + "'");
    CHECK(got_changes == expected_rows(expected.at("changes"), {"table", "centre", "group", "from", "to"}, {"direction"}));
  }
  // The main table holds the newest survey's figure for each key.
  const json newest = expected_of(books.back());
  const json& v = newest.at("values").at(0);
  CHECK(sql_value(db, "SELECT survey FROM rental_values WHERE \"table\" = '" + esc(v.at("table")) + "' AND centre = '" +
                          esc(v.at("centre")) + "' AND \"group\" = '" + esc(v.at("group")) + "' AND period = '" +
                          esc(v.at("period")) + "'") == newest.at("survey").get<std::string>());
  // Every real figure passes the configured checks: nothing waits for review.
  CHECK(sql_value(db, "SELECT COUNT(*) FROM review_queue WHERE status = 'pending'") == "0");
}
