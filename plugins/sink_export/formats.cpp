// formats.cpp — CSV and JSON lines for sink_export (see formats.h).
#include "formats.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <map>

namespace sink_export {

using analytica::Cell;
using analytica::Failure;
using nlohmann::json;

namespace {

std::string number_text(double d) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;  // "" is empty text; an empty field is NULL
  if (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t') return true;
  return s.find_first_of(",\"\r\n") != std::string::npos;
}

void csv_field(std::string& out, const std::string& s) {
  if (!needs_quotes(s)) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// One CSV field as read: its text and whether it was quoted.
struct Field {
  std::string text;
  bool quoted = false;
};

std::vector<std::vector<Field>> csv_records(const std::string& text, const std::string& what) {
  std::vector<std::vector<Field>> records;
  std::vector<Field> record;
  Field field;
  size_t line = 1;
  bool at_field_start = true, in_quotes = false, any = false;
  const auto end_field = [&] {
    record.push_back(std::move(field));
    field = Field{};
    at_field_start = true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    any = true;
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.text += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.text += c;
      }
      continue;
    }
    if (c == '"' && at_field_start) {
      in_quotes = true;
      field.quoted = true;
      at_field_start = false;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      end_field();
      records.push_back(std::move(record));
      record.clear();
      any = false;
      ++line;
    } else {
      if (field.quoted) throw Failure(ANALYTICA_ERR_FORMAT, what + ":" + std::to_string(line) + ": text after a closing quote");
      field.text += c;
      at_field_start = false;
    }
  }
  if (in_quotes) throw Failure(ANALYTICA_ERR_FORMAT, what + ":" + std::to_string(line) + ": unterminated quoted field");
  if (any) {
    end_field();
    records.push_back(std::move(record));
  }
  return records;
}

// All of text read as a T (std::from_chars), or Failure(ANALYTICA_ERR_FORMAT)
// "<where>: "<text>" is not <what>".
template <typename T>
Cell read_whole(const std::string& text, const std::string& where, const char* what) {
  T v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw Failure(ANALYTICA_ERR_FORMAT, where + ": \"" + text + "\" is not " + what);
  return Cell::of(v);
}

Cell typed(const std::string& text, analytica_type type, const std::string& where) {
  switch (type) {
    case ANALYTICA_INT64:
      return read_whole<int64_t>(text, where, "an integer");
    case ANALYTICA_DOUBLE:
      return read_whole<double>(text, where, "a number");
    default:
      return Cell::of(text);
  }
}

json json_value(const Cell& c) {
  switch (c.type) {
    case ANALYTICA_INT64: return c.i;
    case ANALYTICA_DOUBLE: return std::isfinite(c.d) ? json(c.d) : json(nullptr);
    case ANALYTICA_TEXT: return c.text;
    default: return nullptr;
  }
}

Cell from_json(const json& v, analytica_type type, const std::string& where) {
  if (v.is_null()) return Cell::null();
  switch (type) {
    case ANALYTICA_INT64:
      if (v.is_number_integer()) return Cell::of(v.get<int64_t>());
      break;
    case ANALYTICA_DOUBLE:
      if (v.is_number()) return Cell::of(v.get<double>());
      break;
    default:
      if (v.is_string()) return Cell::of(v.get<std::string>());
  }
  throw Failure(ANALYTICA_ERR_FORMAT, where + ": " + v.dump() + " does not fit the column's type");
}

}  // namespace

const char* extension(Format format) { return format == Format::csv ? "csv" : "jsonl"; }

std::string render(Format format, const std::vector<ColumnType>& columns, const std::vector<Row>& rows) {
  std::string out;
  if (format == Format::csv) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out += ',';
      csv_field(out, columns[c].name);
    }
    out += '\n';
    for (const auto& row : rows) {
      for (size_t c = 0; c < columns.size(); ++c) {
        if (c) out += ',';
        const Cell& v = row[c];
        if (v.type == ANALYTICA_INT64) out += std::to_string(v.i);
        else if (v.type == ANALYTICA_DOUBLE) out += number_text(v.d);
        else if (v.type == ANALYTICA_TEXT) csv_field(out, v.text);
      }
      out += '\n';
    }
    return out;
  }
  for (const auto& row : rows) {
    json object = json::object();
    for (size_t c = 0; c < columns.size(); ++c) object[columns[c].name] = json_value(row[c]);
    out += object.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

std::vector<Row> parse(Format format, const std::vector<ColumnType>& columns, const std::string& text,
                       const std::string& what) {
  std::vector<Row> rows;
  if (format == Format::csv) {
    const auto records = csv_records(text, what);
    if (records.empty()) return rows;
    // Where each wanted column sits in the file (-1: absent).
    std::vector<int> at(columns.size(), -1);
    for (size_t f = 0; f < records[0].size(); ++f)
      for (size_t c = 0; c < columns.size(); ++c)
        if (records[0][f].text == columns[c].name) at[c] = static_cast<int>(f);
    for (size_t r = 1; r < records.size(); ++r) {
      const auto& rec = records[r];
      if (rec.size() != records[0].size())
        throw Failure(ANALYTICA_ERR_FORMAT, what + ": record " + std::to_string(r) + " has " +
                                                std::to_string(rec.size()) + " fields, the header " +
                                                std::to_string(records[0].size()));
      Row row(columns.size());
      for (size_t c = 0; c < columns.size(); ++c) {
        if (at[c] < 0) continue;
        const Field& f = rec[static_cast<size_t>(at[c])];
        if (!f.quoted && f.text.empty()) continue;  // NULL
        row[c] = typed(f.text, columns[c].type, what + ": record " + std::to_string(r) + ", column " + columns[c].name);
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }
  size_t line = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string one = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (one.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = what + ":" + std::to_string(line);
    const json object = json::parse(one, nullptr, false);
    if (object.is_discarded() || !object.is_object())
      throw Failure(ANALYTICA_ERR_FORMAT, where + ": not a JSON object");
    Row row(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      const auto it = object.find(columns[c].name);
      if (it != object.end()) row[c] = from_json(*it, columns[c].type, where + ", column " + columns[c].name);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace sink_export
