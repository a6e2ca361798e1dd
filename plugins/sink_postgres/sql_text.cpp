// sql_text.cpp — placeholder translation and statement boundaries (see sql_text.h).
#include "sql_text.h"

#include <algorithm>

namespace sink_postgres {

namespace {

bool ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (c & 0x80); }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Length of the comment starting at i (0 if none): "-- ..." to the end of
// the line, or "/* ... */" (nesting, as PostgreSQL reads them).
size_t comment_length(const std::string& s, size_t i) {
  const size_t n = s.size();
  if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
    size_t j = i + 2;
    while (j < n && s[j] != '\n') ++j;
    return j - i;
  }
  if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
    size_t j = i + 2;
    int depth = 1;
    while (j < n && depth > 0) {
      if (j + 1 < n && s[j] == '/' && s[j + 1] == '*') {
        ++depth;
        j += 2;
      } else if (j + 1 < n && s[j] == '*' && s[j + 1] == '/') {
        --depth;
        j += 2;
      } else {
        ++j;
      }
    }
    return j - i;
  }
  return 0;
}

// Length of the quoted run starting at i with quote q ('\'' or '"'):
// doubled quotes stay inside; backslashes escape when `backslashes`.
size_t quoted_length(const std::string& s, size_t i, char q, bool backslashes) {
  const size_t n = s.size();
  size_t j = i + 1;
  while (j < n) {
    if (backslashes && s[j] == '\\' && j + 1 < n) {
      j += 2;
    } else if (s[j] == q) {
      if (j + 1 < n && s[j + 1] == q) {
        j += 2;
      } else {
        return j + 1 - i;
      }
    } else {
      ++j;
    }
  }
  return n - i;  // unterminated: the server reports it
}

// Length of a dollar-quoted string starting at i ("$$...$$" or
// "$tag$...$tag$"), or 0 if none starts there.
size_t dollar_length(const std::string& s, size_t i) {
  const size_t n = s.size();
  size_t j = i + 1;
  if (j < n && ident_start(s[j])) {
    while (j < n && ident_char(s[j]) && s[j] != '$') ++j;
  }
  if (j >= n || s[j] != '$') return 0;
  const std::string tag = s.substr(i, j + 1 - i);
  const size_t end = s.find(tag, j + 1);
  return end == std::string::npos ? n - i : end + tag.size() - i;
}

}  // namespace

SqlText translate_sql(const std::string& s) {
  SqlText out;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const char c = s[i];
    if (const size_t comment = comment_length(s, i)) {
      out.sql.append(s, i, comment);
      i += comment;
    } else if (c == '\'') {
      // E'...' (escape string): the E was copied just before.
      const size_t k = out.sql.size();
      const bool escape = k >= 1 && (out.sql[k - 1] == 'E' || out.sql[k - 1] == 'e') &&
                          (k < 2 || !ident_char(out.sql[k - 2]));
      const size_t len = quoted_length(s, i, '\'', escape);
      out.sql.append(s, i, len);
      i += len;
    } else if (c == '"') {
      const size_t len = quoted_length(s, i, '"', false);
      out.sql.append(s, i, len);
      i += len;
    } else if (c == '$' && (out.sql.empty() || !ident_char(out.sql.back())) && !(i + 1 < n && digit(s[i + 1]))) {
      const size_t len = dollar_length(s, i);
      out.sql.append(s, i, len ? len : 1);
      i += len ? len : 1;
    } else if (c == '?') {
      size_t j = i + 1;
      uint64_t number = 0;
      while (j < n && digit(s[j]) && number < 100000) number = number * 10 + static_cast<uint64_t>(s[j++] - '0');
      if (j == i + 1) number = out.parameters + 1;
      out.parameters = std::max<uint32_t>(out.parameters, static_cast<uint32_t>(number));
      out.sql += "$" + std::to_string(number);
      i = j;
    } else if (c == ';') {
      // The first statement ends here; anything but blanks, comments and
      // semicolons after it is another statement.
      for (++i; i < n;) {
        if (blank(s[i]) || s[i] == ';') {
          ++i;
        } else if (const size_t skip = comment_length(s, i)) {
          i += skip;
        } else {
          out.trailing = s.substr(i);
          break;
        }
      }
      break;
    } else if (ident_start(c) && (out.sql.empty() || !ident_char(out.sql.back()))) {
      size_t j = i;
      while (j < n && ident_char(s[j])) ++j;
      if (out.first_word.empty()) {
        for (size_t k = i; k < j; ++k)
          out.first_word += static_cast<char>(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
      }
      out.sql.append(s, i, j - i);
      i = j;
    } else {
      out.sql += c;
      ++i;
    }
  }
  return out;
}

}  // namespace sink_postgres
