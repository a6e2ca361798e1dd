// sql_text.h — reads the SQL text handed to query(): turns SQLite-style
// `?` / `?NNN` placeholders into PostgreSQL's `$n`, and finds the first
// keyword and whatever follows the first statement, so query() can refuse
// transaction control and several statements as sink_sqlite does.
//
// Placeholders inside string literals ('...', E'...' with backslash
// escapes, $tag$...$tag$), quoted identifiers and comments are left alone.
#ifndef SINK_POSTGRES_SQL_TEXT_H
#define SINK_POSTGRES_SQL_TEXT_H

#include <cstdint>
#include <string>

namespace sink_postgres {

struct SqlText {
  std::string sql;          // the first statement, placeholders as $n, no ';'
  uint32_t parameters = 0;  // highest placeholder number (SQLite numbering:
                            // a bare ? is one more than the highest so far)
  std::string first_word;   // first keyword, lower case ("" if none)
  std::string trailing;     // SQL after the first statement other than
                            // blanks, comments and ';' ("" if none)
};

SqlText translate_sql(const std::string& text);

}  // namespace sink_postgres

#endif
