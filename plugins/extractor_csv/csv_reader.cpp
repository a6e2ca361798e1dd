#include "csv_reader.h"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace csv {

std::vector<std::vector<std::string>> parse(const std::string& text, char delimiter) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  size_t line = 1, quote_line = 0;
  auto end_record = [&] {
    record.push_back(field);
    field.clear();
    if (!(record.size() == 1 && record[0].empty())) out.push_back(record);  // skip blank lines
    record.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') { field += '"'; ++i; }
      else if (c == '"') quoted = false;
      else { if (c == '\n') ++line; field += c; }
      continue;
    }
    if (c == '"' && field.empty()) { quoted = true; quote_line = line; any = true; }
    else if (c == delimiter) { record.push_back(field); field.clear(); any = true; }
    else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    else if (c == '\n') { end_record(); ++line; }
    else { field += c; any = true; }
  }
  if (quoted) throw std::runtime_error("line " + std::to_string(quote_line) + ": unterminated quoted field");
  if (any || !field.empty()) end_record();
  return out;
}

namespace {

bool parse_int(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end) return false;
  v = x;
  return true;
}

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return !errno && !*end;
}

}  // namespace

analytica::Batch to_batch(const std::string& table, const std::vector<std::vector<std::string>>& records,
                          const std::vector<std::string>& key) {
  if (records.empty()) throw std::runtime_error("no header row");
  const auto& header = records[0];
  std::vector<analytica::Column> cols;
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c].empty()) throw std::runtime_error("line 1: column " + std::to_string(c + 1) + " has no name");
    int64_t i;
    double d;
    bool all_int = true, all_num = true;
    for (size_t r = 1; r < records.size(); ++r) {
      if (records[r].size() != header.size())
        throw std::runtime_error("line " + std::to_string(r + 1) + ": expected " + std::to_string(header.size()) +
                                 " fields, got " + std::to_string(records[r].size()));
      const std::string& f = records[r][c];
      if (f.empty()) continue;
      all_int = all_int && parse_int(f, i);
      all_num = all_num && parse_double(f, d);
    }
    const bool is_key = std::find(key.begin(), key.end(), header[c]) != key.end();
    cols.push_back({header[c], all_int ? ANALYTICA_INT64 : all_num ? ANALYTICA_DOUBLE : ANALYTICA_TEXT,
                    is_key ? ANALYTICA_COLUMN_KEY : 0u});
  }
  for (const auto& k : key)
    if (std::find(header.begin(), header.end(), k) == header.end())
      throw std::runtime_error("key column \"" + k + "\" is not in the header");
  analytica::Batch batch(analytica::Schema(table, cols));
  for (size_t r = 1; r < records.size(); ++r) {
    auto& row = batch.add_row();
    for (size_t c = 0; c < cols.size(); ++c) {
      const std::string& f = records[r][c];
      int64_t i;
      double d;
      if (f.empty()) row[c] = analytica::Cell::null();
      else if (cols[c].type == ANALYTICA_INT64 && parse_int(f, i)) row[c] = analytica::Cell::of(i);
      else if (cols[c].type == ANALYTICA_DOUBLE && parse_double(f, d)) row[c] = analytica::Cell::of(d);
      else row[c] = analytica::Cell::of(f);
    }
  }
  return batch;
}

}  // namespace csv
