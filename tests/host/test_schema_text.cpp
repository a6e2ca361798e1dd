// schema_from_text: the host's own tables declared as text in
// analytica_store.h's notation ("name TYPE [KEY] [NEWEST], ...").
#include "run/schema_text.h"

#include <catch2/catch.hpp>

#include <stdexcept>

using analytica::schema_from_text;

TEST_CASE("schema_from_text reads names, types and flags in order", "[schema_text]") {
  const analytica::Schema s =
      schema_from_text("review_queue", "id INT64 KEY, table_name TEXT KEY NEWEST,\n  score DOUBLE , note TEXT");
  CHECK(s.table() == "review_queue");
  REQUIRE(s.columns().size() == 4);
  CHECK(s.columns()[0].name == "id");
  CHECK(s.columns()[0].type == ANALYTICA_INT64);
  CHECK(s.columns()[0].flags == ANALYTICA_COLUMN_KEY);
  CHECK(s.columns()[1].name == "table_name");
  CHECK(s.columns()[1].type == ANALYTICA_TEXT);
  CHECK(s.columns()[1].flags == (ANALYTICA_COLUMN_KEY | ANALYTICA_COLUMN_NEWEST));
  CHECK(s.columns()[2].name == "score");
  CHECK(s.columns()[2].type == ANALYTICA_DOUBLE);
  CHECK(s.columns()[2].flags == 0);
  CHECK(s.columns()[3].name == "note");
}

TEST_CASE("schema_from_text names the table and the column of a mistake", "[schema_text]") {
  CHECK_THROWS_MATCHES(schema_from_text("t", "a TEXT, b BLOB"), std::logic_error,
                       Catch::Message("t, column \"b\": expected the type TEXT, INT64 or DOUBLE, not \"BLOB\""));
  CHECK_THROWS_MATCHES(schema_from_text("t", "a TEXT UNIQUE"), std::logic_error,
                       Catch::Message("t, column \"a\": expected KEY or NEWEST after the type, not \"UNIQUE\""));
  CHECK_THROWS_MATCHES(schema_from_text("t", "a TEXT, b"), std::logic_error,
                       Catch::Message("t: column 2: expected \"name TYPE\""));
  CHECK_THROWS_AS(schema_from_text("t", "a TEXT,, b TEXT"), std::logic_error);
}
