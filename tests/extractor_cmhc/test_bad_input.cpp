// Bad workbooks: one line `file: reason` on stderr, a failing status, and
// nothing printed or written.
#include "cmhc_test.h"
#include "rmr.h"

#include <catch2/catch.hpp>
#include <xlsxwriter.h>
#include <zip.h>

#include <cstdlib>
#include <cstring>

using namespace cmhc_test;
namespace fs = std::filesystem;

namespace {

// Writes a zip holding the given parts (name -> bytes) with libzip.
void write_zip(const fs::path& file, const std::vector<std::pair<std::string, std::string>>& parts) {
  int err = 0;
  zip_t* z = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  for (const auto& [name, bytes] : parts) {
    void* copy = std::malloc(bytes.size() ? bytes.size() : 1);
    std::memcpy(copy, bytes.data(), bytes.size());
    zip_source_t* src = zip_source_buffer(z, copy, bytes.size(), 1);
    REQUIRE(src);
    REQUIRE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE) >= 0);
  }
  REQUIRE(zip_close(z) == 0);
}

// Replaces one part of an existing zip.
void replace_part(const fs::path& file, const std::string& name, const std::string& bytes) {
  int err = 0;
  zip_t* z = zip_open(file.c_str(), 0, &err);
  REQUIRE(z);
  const zip_int64_t index = zip_name_locate(z, name.c_str(), 0);
  REQUIRE(index >= 0);
  void* copy = std::malloc(bytes.size() ? bytes.size() : 1);
  std::memcpy(copy, bytes.data(), bytes.size());
  zip_source_t* src = zip_source_buffer(z, copy, bytes.size(), 1);
  REQUIRE(zip_file_replace(z, static_cast<zip_uint64_t>(index), src, 0) == 0);
  REQUIRE(zip_close(z) == 0);
}

std::string read_part(const fs::path& file, const std::string& name) {
  int err = 0;
  zip_t* z = zip_open(file.c_str(), ZIP_RDONLY, &err);
  REQUIRE(z);
  zip_stat_t st;
  REQUIRE(zip_stat(z, name.c_str(), 0, &st) == 0);
  zip_file_t* f = zip_fopen(z, name.c_str(), 0);
  std::string out(static_cast<size_t>(st.size), '\0');
  REQUIRE(zip_fread(f, out.data(), st.size) == static_cast<zip_int64_t>(st.size));
  zip_fclose(f);
  zip_discard(z);
  return out;
}

// A well-formed workbook by another publisher, laid out like a table sheet.
void write_other_publisher(const fs::path& file) {
  lxw_workbook* wb = workbook_new(file.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Table 1.1.1");
  worksheet_write_string(ws, 2, 0, "1.1.1 Building permits by type - Calgary", nullptr);
  worksheet_write_string(ws, 5, 1, "Residential", nullptr);
  worksheet_write_string(ws, 6, 0, "Area", nullptr);
  worksheet_write_string(ws, 6, 1, "Oct-21", nullptr);
  worksheet_write_string(ws, 7, 0, "Calgary", nullptr);
  worksheet_write_number(ws, 7, 1, 1234, nullptr);
  worksheet_write_string(ws, 9, 0, "Source: City of Calgary permits office", nullptr);
  REQUIRE(workbook_close(wb) == LXW_NO_ERROR);
}

void require_one_line_error(const fs::path& file, const std::string& reason) {
  const CliResult r = run_cli({"extract", file.string(), "--extractor", "extractor_cmhc_rmr", "--format", "json"});
  INFO("stderr: " << r.err);
  CHECK(r.status != 0);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(contains(r.err, file.string() + ": "));
  CHECK(contains(r.err, reason));
}

}  // namespace

TEST_CASE("bad workbooks fail with one line naming the file and the reason", "[bad]") {
  TempDir t;
  SECTION("not a zip") {
    write_text(t / "plain.xlsx", "Centre,Oct-21\nCalgary CMA,3.4\n");
    require_one_line_error(t / "plain.xlsx", "not a zip archive");
  }
  SECTION("a zip without a workbook") {
    write_zip(t / "nobook.xlsx", {{"readme.txt", "hello"}, {"data/table.csv", "a,b\n"}});
    require_one_line_error(t / "nobook.xlsx", "without a workbook");
  }
  SECTION("a workbook of another publisher") {
    write_other_publisher(t / "permits.xlsx");
    require_one_line_error(t / "permits.xlsx", "not a CMHC Rental Market Report workbook");
  }
  SECTION("a sheet cut short") {
    synth(t / "cut.xlsx", {});
    const std::string sheet = read_part(t / "cut.xlsx", "xl/worksheets/sheet3.xml");
    replace_part(t / "cut.xlsx", "xl/worksheets/sheet3.xml", sheet.substr(0, sheet.size() / 2));
    require_one_line_error(t / "cut.xlsx", "sheet 'Table 1.1.2' is cut short");
  }
  SECTION("a table sheet with headers but no centre rows") {
    synth(t / "empty.xlsx", {});
    const std::string sheet = read_part(t / "empty.xlsx", "xl/worksheets/sheet2.xml");
    // Keep the rows up to the period header (row 7), drop every row after it.
    const size_t cut = sheet.find("<row r=\"8\"");
    REQUIRE(cut != std::string::npos);
    const size_t end = sheet.find("</sheetData>");
    replace_part(t / "empty.xlsx", "xl/worksheets/sheet2.xml", sheet.substr(0, cut) + sheet.substr(end));
    require_one_line_error(t / "empty.xlsx", "no centre rows");
  }
  SECTION("a zip bomb: a part past the size limit is refused before inflating") {
    synth(t / "bomb.xlsx", {});
    const std::string huge = "<worksheet>" + std::string(80u << 20, ' ') + "</worksheet>";
    replace_part(t / "bomb.xlsx", "xl/worksheets/sheet2.xml", huge);
    CHECK(fs::file_size(t / "bomb.xlsx") < (2u << 20));
    require_one_line_error(t / "bomb.xlsx", "over the limit");
  }
}

TEST_CASE("the size limit is checked on the declared size and while inflating", "[bad]") {
  TempDir t;
  synth(t / "w.xlsx", {});
  xlsx::Limits small;
  small.max_entry_bytes = 4096;  // every sheet of the synthetic workbook is larger
  try {
    (void)rmr::read_report((t / "w.xlsx").string(), small);
    FAIL("no error for parts past the limit");
  } catch (const rmr::Error& e) {
    CHECK(contains(e.what(), "over the limit of 4096"));
    CHECK(std::string(e.what()).rfind((t / "w.xlsx").string() + ": ", 0) == 0);
  }
  small.max_entry_bytes = 64u << 20;
  small.max_total_bytes = 20000;  // all parts together
  CHECK_THROWS_AS(rmr::read_report((t / "w.xlsx").string(), small), rmr::Error);
}

TEST_CASE("a bad workbook in a run fails alone and writes nothing", "[bad][pipeline]") {
  TempDir t;
  synth(t / "inbox" / "rmr-good.xlsx", {});
  write_text(t / "inbox" / "rmr-bad.xlsx", "not a workbook");
  const CliResult r = run_pipeline(t.path, "cmhc");
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.err, "rmr-bad.xlsx"));
  CHECK(sql_value(t / "analytica.db", "SELECT COUNT(DISTINCT source_file) FROM rental_values") == "1");
  CHECK(sql_value(t / "analytica.db", "SELECT COUNT(*) FROM rental_values WHERE source_file = 'rmr-bad.xlsx'") == "0");
}
