// Names put into SQL text: the one identifier check and the one quoting
// every room uses (run/, read/, serve/, cli/). Values always travel as `?`
// parameters; only table and column names are spliced into statements, and
// only after plain_name() said yes.
#ifndef ANALYTICA_HOST_RUN_SQL_H
#define ANALYTICA_HOST_RUN_SQL_H

#include <cctype>
#include <string>

namespace analytica {

// Letters, digits and _, not first a digit, at most 63 bytes (PostgreSQL's
// limit): a table or column name safe in SQL text on every backend.
inline bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 63 || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// The name as a quoted SQL identifier ("a""b" for a"b).
inline std::string quoted_name(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_SQL_H
