// The escaping source_directory applies to names (names.h), compiled in
// directly: every output is valid UTF-8 without control characters, and
// distinct names stay distinct.
#include "names.h"

#include <catch2/catch.hpp>

#include <set>

using source_directory::display_escape;
using source_directory::file_uri;

TEST_CASE("display names escape bytes that are not UTF-8, control characters and backslashes", "[names]") {
  CHECK(display_escape("report_03_2023.pdf") == "report_03_2023.pdf");
  CHECK(display_escape("Résumé — März.pdf") == "Résumé — März.pdf");  // valid UTF-8 stays
  CHECK(display_escape("R\xe9sum\xe9_03_2023.pdf") == "R\\xE9sum\\xE9_03_2023.pdf");
  CHECK(display_escape("a\nb\r\t\x1b[0m\x7f.pdf") == "a\\x0Ab\\x0D\\x09\\x1B[0m\\x7F.pdf");
  CHECK(display_escape("c1\xc2\x85 ls\xe2\x80\xa8") == "c1\\xC2\\x85 ls\\xE2\\x80\\xA8");
  CHECK(display_escape("back\\slash") == "back\\\\slash");
  CHECK(display_escape("back\\x0A") == "back\\\\x0A");  // cannot pass for an escaped newline
  // Overlong forms, surrogates, code points past U+10FFFF and cut sequences are bytes.
  CHECK(display_escape("\xc0\xaf") == "\\xC0\\xAF");
  CHECK(display_escape("\xed\xa0\x80") == "\\xED\\xA0\\x80");
  CHECK(display_escape("\xf4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");
  CHECK(display_escape("end\xe2\x82") == "end\\xE2\\x82");
  CHECK(display_escape(std::string("nul\0x", 5)) == "nul\\x00x");
}

TEST_CASE("file URIs percent-encode what is not printable UTF-8, and the percent sign", "[names]") {
  CHECK(file_uri("/data/inbox/a b.pdf") == "file:///data/inbox/a b.pdf");  // unchanged for ordinary names
  CHECK(file_uri("/in/R\xe9sum\xe9.pdf") == "file:///in/R%E9sum%E9.pdf");
  CHECK(file_uri("/in/100%.pdf") == "file:///in/100%25.pdf");
  CHECK(file_uri("/in/a\nb") == "file:///in/a%0Ab");
  CHECK(file_uri("/in/Résumé") == "file:///in/Résumé");
}

TEST_CASE("escaping keeps distinct names distinct", "[names]") {
  const std::vector<std::string> names = {"R\xe9sum\xe9", "R\\xE9sum\\xE9", "R%E9sum%E9", "R\\\\xE9sum\\\\xE9",
                                          "a\nb", "a\\x0Ab", "a%0Ab", "a\\\\x0Ab", "Résumé"};
  std::set<std::string> shown, uris;
  for (const auto& n : names) {
    shown.insert(display_escape(n));
    uris.insert(file_uri("/" + n));
  }
  CHECK(shown.size() == names.size());
  CHECK(uris.size() == names.size());
}
