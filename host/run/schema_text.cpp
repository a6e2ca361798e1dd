#include "run/schema_text.h"

#include <sstream>
#include <stdexcept>
#include <vector>

namespace analytica {

namespace {

analytica_type type_named(const std::string& word, const std::string& where) {
  if (word == "TEXT") return ANALYTICA_TEXT;
  if (word == "INT64") return ANALYTICA_INT64;
  if (word == "DOUBLE") return ANALYTICA_DOUBLE;
  throw std::logic_error(where + ": expected the type TEXT, INT64 or DOUBLE, not \"" + word + "\"");
}

uint32_t flag_named(const std::string& word, const std::string& where) {
  if (word == "KEY") return ANALYTICA_COLUMN_KEY;
  if (word == "NEWEST") return ANALYTICA_COLUMN_NEWEST;
  throw std::logic_error(where + ": expected KEY or NEWEST after the type, not \"" + word + "\"");
}

}  // namespace

Schema schema_from_text(const std::string& table, const std::string& columns) {
  std::vector<Column> out;
  std::istringstream list(columns);
  std::string item;
  while (std::getline(list, item, ',')) {
    std::istringstream words(item);
    Column c;
    std::string type;
    if (!(words >> c.name >> type))
      throw std::logic_error(table + ": column " + std::to_string(out.size() + 1) + ": expected \"name TYPE\"");
    const std::string where = table + ", column \"" + c.name + "\"";
    c.type = type_named(type, where);
    for (std::string flag; words >> flag;) c.flags |= flag_named(flag, where);
    out.push_back(std::move(c));
  }
  return Schema(table, std::move(out));
}

}  // namespace analytica
