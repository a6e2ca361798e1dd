// The real reports: every record of every clean report is approved without
// review (no false positives). Skips with a message without the corpus.
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> corpus_pdfs() {
  std::vector<fs::path> out;
  if (corpus_dir().empty()) return out;
  const fs::path dir = fs::path(corpus_dir()) / "creb";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".pdf") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every real report in the corpus is approved without review", "[corpus]") {
  const auto pdfs = corpus_pdfs();
  if (pdfs.empty()) {
    WARN("SKIPPED: no CREB corpus (set ANALYTICA_CORPUS_DIR to the folder holding creb/*.pdf; compile-time "
         "default: " CORPUS_DIR ")");
    return;
  }
  TempDir t;
  fs::create_directories(t / "inbox");
  // Symbolic links: the corpus stays where it is.
  for (const auto& p : pdfs) fs::create_symlink(p, t / "inbox" / p.filename());
  const auto r = run_pipeline(t);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto db = db_of(t);
  const Rows failed = sql_rows(db, "SELECT table_name || ' ' || record_key || ': ' || check_name || ': ' || "
                                   "COALESCE(reason, '') FROM validation_checks WHERE passed = 0");
  for (const auto& f : failed) FAIL_CHECK("false positive: " << f);
  CHECK(sql_rows(db, "SELECT count(*) FROM review_queue WHERE status <> 'auto_approved'") == Rows{"0"});
  CHECK(sql_rows(db, "SELECT count(*) FROM housing_city_validated") == sql_rows(db, "SELECT count(*) FROM housing_city_monthly"));
  CHECK(sql_rows(db, "SELECT count(*) FROM housing_district_validated") ==
        sql_rows(db, "SELECT count(*) FROM housing_district_monthly"));
  const Rows totals = sql_rows(db, "SELECT count(*), sum(status = 'auto_approved'), sum(status = 'pending'), "
                                   "(SELECT sum(evaluated) FROM validation_summary), (SELECT count(*) FROM "
                                   "validation_checks WHERE reason LIKE 'revised%') FROM review_queue");
  std::cout << "corpus: " << pdfs.size() << " reports; records|auto_approved|pending|checks|revisions noted = "
            << totals.at(0) << std::endl;
}
