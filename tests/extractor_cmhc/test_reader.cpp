// The reader's small parts: numbers as their cells display them, periods
// and figures as printed, cell names.
#include "rmr.h"
#include "xlsx.h"

#include <catch2/catch.hpp>

TEST_CASE("reals with binary noise read as their number format displays them", "[reader]") {
  CHECK(xlsx::display_number(4.0999999999999996, "0.0") == "4.1");
  CHECK(xlsx::display_number(4.1000000000004, "0.0") == "4.1");
  CHECK(xlsx::display_number(1203.9999999999998, "#,##0") == "1,204");
  CHECK(xlsx::display_number(1234567.5, "#,##0") == "1,234,568");
  CHECK(xlsx::display_number(0.041000000000000002, "0.0%") == "4.1%");
  CHECK(xlsx::display_number(0.30000000000000004, "General") == "0.3");
  CHECK(xlsx::display_number(-1.2000000000000002, "0.0") == "-1.2");
  CHECK(xlsx::display_number(-0.04, "0.0") == "0.0");
  // Ties round away from zero from the 15 significant digits a spreadsheet keeps.
  CHECK(xlsx::display_number(2.675, "0.00") == "2.68");
  CHECK(xlsx::display_number(0.5, "0") == "1");
  CHECK(xlsx::display_number(9.96, "0.0") == "10.0");
  CHECK(xlsx::display_number(12.5, "\"$\"#,##0.00") == "12.50");
}

TEST_CASE("periods as the headers print them", "[reader]") {
  CHECK(rmr::parse_period("Oct-21") == std::optional<std::string>("2021-10"));
  CHECK(rmr::parse_period("Oct-19\nto\nOct-20") == std::optional<std::string>("2019-10..2020-10"));
  CHECK(rmr::parse_period("October 2022") == std::optional<std::string>("2022-10"));
  CHECK(rmr::parse_period("2022-10-01") == std::optional<std::string>("2022-10"));
  CHECK(rmr::parse_period("Apr 2019") == std::optional<std::string>("2019-04"));
  CHECK(rmr::parse_period("2019") == std::optional<std::string>("2019-10"));  // the survey is taken in October
  CHECK_FALSE(rmr::parse_period("Centre"));
  CHECK_FALSE(rmr::parse_period("Bachelor"));
  CHECK_FALSE(rmr::parse_period("Rental Condo Apts."));
  CHECK_FALSE(rmr::parse_period("Octopus-21"));
}

TEST_CASE("figures as printed: separators stripped, signs kept", "[reader]") {
  CHECK(rmr::parse_number("1,204") == std::optional<double>(1204));
  CHECK(rmr::parse_number("-1.2") == std::optional<double>(-1.2));
  CHECK(rmr::parse_number("\xE2\x88\x92" "0.5") == std::optional<double>(-0.5));  // U+2212 minus
  CHECK(rmr::parse_number("4.1%") == std::optional<double>(4.1));
  CHECK(rmr::parse_number("$1,109") == std::optional<double>(1109));
  CHECK_FALSE(rmr::parse_number("**"));
  CHECK_FALSE(rmr::parse_number("n/a"));
  CHECK_FALSE(rmr::parse_number("-"));
  CHECK_FALSE(rmr::parse_number("12 a"));
}

TEST_CASE("cell names", "[reader]") {
  int c = -1, r = -1;
  REQUIRE(xlsx::parse_ref("B8", c, r));
  CHECK(c == 1);
  CHECK(r == 7);
  REQUIRE(xlsx::parse_ref("AA100", c, r));
  CHECK(c == 26);
  CHECK(r == 99);
  CHECK(xlsx::cell_name(25, 0) == "Z1");
  CHECK(xlsx::cell_name(27, 9) == "AB10");
  CHECK_FALSE(xlsx::parse_ref("8B", c, r));
  CHECK_FALSE(xlsx::parse_ref("B0", c, r));
}
