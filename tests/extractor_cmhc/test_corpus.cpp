// The real workbooks of ../shared/corpus/cmhc: every value and change of
// each .expected.json, through `analytica extract` and through the cmhc
// pipeline into SQLite. Skipped with a message when the corpus is absent.
#include "cmhc_test.h"

#include <catch2/catch.hpp>

#include <algorithm>
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
    Rows got = sql_rows(db, "SELECT \"table\", centre, \"group\", period, value, reliability, flag, cell FROM "
                            "rental_values_revisions WHERE survey = '" + survey + "'");
    Rows want;
    for (const auto& v : expected.at("values"))
      want.push_back(v.at("table").get<std::string>() + "|" + v.at("centre").get<std::string>() + "|" +
                     v.at("group").get<std::string>() + "|" + v.at("period").get<std::string>() + "|" +
                     as_sql_text(v.at("value")) + "|" + as_sql_text(v.at("reliability")) + "|" +
                     as_sql_text(v.at("flag")) + "|" + "Table " + v.at("table").get<std::string>() + "!" +
                     v.at("cell").get<std::string>());
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got.size() == want.size());
    CHECK(got == want);
    Rows got_changes = sql_rows(db, "SELECT \"table\", centre, \"group\", \"from\", \"to\", direction, cell FROM "
                                    "rental_changes_revisions WHERE survey = '" + survey + "'");
    Rows want_changes;
    for (const auto& c : expected.at("changes"))
      want_changes.push_back(c.at("table").get<std::string>() + "|" + c.at("centre").get<std::string>() + "|" +
                             c.at("group").get<std::string>() + "|" + c.at("from").get<std::string>() + "|" +
                             c.at("to").get<std::string>() + "|" + as_sql_text(c.at("direction")) + "|" + "Table " +
                             c.at("table").get<std::string>() + "!" + c.at("cell").get<std::string>());
    std::sort(got_changes.begin(), got_changes.end());
    std::sort(want_changes.begin(), want_changes.end());
    CHECK(got_changes == want_changes);
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
