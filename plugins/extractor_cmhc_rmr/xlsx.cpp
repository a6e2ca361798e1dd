// xlsx.cpp — workbook reading over libzip (container) and expat (XML).
#include "xlsx.h"

#include <expat.h>
#include <zip.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

namespace xlsx {
namespace {

// ------------------------------------------------------------------ zip

class Archive {
 public:
  Archive(const std::string& path, const Limits& limits) : limits_(limits) {
    int err = 0;
    zip_ = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!zip_) {
      if (err == ZIP_ER_NOZIP) throw Error("not a zip archive (an .xlsx workbook is one)");
      if (err == ZIP_ER_NOENT || err == ZIP_ER_OPEN || err == ZIP_ER_READ) throw Error("cannot be opened or read");
      zip_error_t ze;
      zip_error_init_with_code(&ze, err);
      std::string reason = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      throw Error("not a readable zip archive (" + reason + ")");
    }
  }
  ~Archive() {
    if (zip_) zip_discard(zip_);
  }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  bool has(const std::string& name) const { return zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE) >= 0; }

  // The part's bytes. Checks the declared size against the limits before
  // inflating anything, and stops at the limit while inflating.
  std::string read(const std::string& name) {
    const zip_int64_t index = zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE);
    if (index < 0) throw Error("no part " + name);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0)
      throw Error("part " + name + " cannot be examined (" + std::string(zip_strerror(zip_)) + ")");
    const uint64_t limit = std::min(limits_.max_entry_bytes, limits_.max_total_bytes - std::min(total_, limits_.max_total_bytes));
    if ((st.valid & ZIP_STAT_SIZE) && st.size > limit)
      throw Error("part " + name + " inflates to " + std::to_string(st.size) + " bytes, over the limit of " +
                  std::to_string(limit) + " (a zip bomb?)");
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0),
                                                        zip_fclose);
    if (!f) throw Error("part " + name + " cannot be opened (" + std::string(zip_strerror(zip_)) + ")");
    std::string out;
    if (st.valid & ZIP_STAT_SIZE) out.reserve(static_cast<size_t>(st.size));
    char buf[65536];
    for (;;) {
      const zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
      if (n < 0) throw Error("part " + name + " is damaged (" + std::string(zip_file_strerror(f.get())) + ")");
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > limit)
        throw Error("part " + name + " inflates past the limit of " + std::to_string(limit) + " bytes (a zip bomb?)");
    }
    total_ += out.size();
    return out;
  }

 private:
  zip_t* zip_ = nullptr;
  Limits limits_;
  uint64_t total_ = 0;
};

// ------------------------------------------------------------------ XML

// Element names without their namespace prefix ("x:c" -> "c").
const char* local(const char* name) {
  const char* colon = std::strrchr(name, ':');
  return colon ? colon + 1 : name;
}

const char* attr(const char** atts, const char* want) {
  for (size_t i = 0; atts[i]; i += 2)
    if (std::strcmp(local(atts[i]), want) == 0) return atts[i + 1];
  return nullptr;
}

struct SaxHandler {
  std::function<void(const char* name, const char** atts)> start;
  std::function<void(const char* name)> end;
  std::function<void(const char* s, int len)> text;
};

// Parses `xml` with expat, calling h. Throws Error naming `what` on bad XML;
// `cut_short` words the reason for a truncated document.
void parse_xml(const std::string& xml, SaxHandler& h, const std::string& what) {
  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> p(XML_ParserCreate("UTF-8"), XML_ParserFree);
  if (!p) throw Error("out of memory for the XML parser");
  XML_SetUserData(p.get(), &h);
  XML_SetElementHandler(
      p.get(),
      [](void* u, const XML_Char* n, const XML_Char** a) {
        auto* hh = static_cast<SaxHandler*>(u);
        if (hh->start) hh->start(local(n), a);
      },
      [](void* u, const XML_Char* n) {
        auto* hh = static_cast<SaxHandler*>(u);
        if (hh->end) hh->end(local(n));
      });
  XML_SetCharacterDataHandler(p.get(), [](void* u, const XML_Char* s, int len) {
    auto* hh = static_cast<SaxHandler*>(u);
    if (hh->text) hh->text(s, len);
  });
  // Parse in slices so that a huge part does not need an int-sized length.
  const size_t slice = 1 << 20;
  for (size_t at = 0;;) {
    const size_t n = std::min(slice, xml.size() - at);
    const bool last = at + n >= xml.size();
    if (XML_Parse(p.get(), xml.data() + at, static_cast<int>(n), last) == XML_STATUS_ERROR) {
      const XML_Error code = XML_GetErrorCode(p.get());
      const std::string detail = std::string(XML_ErrorString(code)) + " at line " +
                                 std::to_string(XML_GetCurrentLineNumber(p.get()));
      const bool truncated = code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
                             code == XML_ERROR_PARTIAL_CHAR || code == XML_ERROR_UNCLOSED_CDATA_SECTION;
      throw Error(what + (truncated ? " is cut short (XML: " : " is not well-formed XML (") + detail + ")");
    }
    at += n;
    if (last) break;
  }
}

// ---------------------------------------------------------------- paths

std::string dir_of(const std::string& part) {
  const size_t slash = part.rfind('/');
  return slash == std::string::npos ? "" : part.substr(0, slash + 1);
}

// Resolves a relationship target against the folder of its source part.
std::string resolve(const std::string& base_dir, const std::string& target) {
  std::string joined = !target.empty() && target[0] == '/' ? target.substr(1) : base_dir + target;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t slash = joined.find('/', start);
    if (slash == std::string::npos) slash = joined.size();
    const std::string seg = joined.substr(start, slash - start);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& s : parts) out += (out.empty() ? "" : "/") + s;
  return out;
}

// The relationships of a .rels part (none if the part is absent): targets
// resolved against base_dir, by id, and the first target of each type
// (keyed by the type's last path segment, e.g. "/styles"). External
// targets are not parts of the package and are left out.
struct Relationships {
  std::map<std::string, std::string> by_id, by_type;
  std::string of_type(const std::string& tail) const {
    auto it = by_type.find(tail);
    return it == by_type.end() ? "" : it->second;
  }
};

Relationships read_rels(Archive& zip, const std::string& rels_part, const std::string& base_dir) {
  Relationships out;
  if (!zip.has(rels_part)) return out;
  const std::string xml = zip.read(rels_part);
  SaxHandler h;
  h.start = [&](const char* name, const char** atts) {
    if (std::strcmp(name, "Relationship") != 0) return;
    const char* id = attr(atts, "Id");
    const char* target = attr(atts, "Target");
    const char* type = attr(atts, "Type");
    const char* mode = attr(atts, "TargetMode");
    if (!id || !target || (mode && std::strcmp(mode, "External") == 0)) return;
    const std::string resolved = resolve(base_dir, target);
    out.by_id[id] = resolved;
    const char* slash = type ? std::strrchr(type, '/') : nullptr;
    if (slash) out.by_type.emplace(slash, resolved);
  };
  parse_xml(xml, h, "part " + rels_part);
  return out;
}

// --------------------------------------------------------------- styles

const char* builtin_format(int id) {
  switch (id) {
    case 0: return "General";
    case 1: return "0";
    case 2: return "0.00";
    case 3: return "#,##0";
    case 4: return "#,##0.00";
    case 9: return "0%";
    case 10: return "0.00%";
    case 11: return "0.00E+00";
    case 12: return "# ?/?";
    case 13: return "# ?\?/??";
    case 14: return "mm-dd-yy";
    case 15: return "d-mmm-yy";
    case 16: return "d-mmm";
    case 17: return "mmm-yy";
    case 18: return "h:mm AM/PM";
    case 19: return "h:mm:ss AM/PM";
    case 20: return "h:mm";
    case 21: return "h:mm:ss";
    case 22: return "m/d/yy h:mm";
    case 37: return "#,##0 ;(#,##0)";
    case 38: return "#,##0 ;[Red](#,##0)";
    case 39: return "#,##0.00;(#,##0.00)";
    case 40: return "#,##0.00;[Red](#,##0.00)";
    case 45: return "mm:ss";
    case 46: return "[h]:mm:ss";
    case 47: return "mmss.0";
    case 48: return "##0.0E+0";
    case 49: return "@";
    default: return "General";
  }
}

// The format's first section with quoted text, escapes and [..] removed.
std::string format_core(const std::string& code) {
  std::string out;
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (quoted) {
      if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') { quoted = true; continue; }
    if (c == '\\' || c == '_' || c == '*') { ++i; continue; }
    if (c == '[') { ++bracket; continue; }
    if (c == ']') { if (bracket) --bracket; continue; }
    if (bracket) continue;
    if (c == ';') break;
    out += c;
  }
  return out;
}

bool is_date_format(const std::string& code) {
  const std::string core = format_core(code);
  if (core == "General") return false;
  for (char c : core) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == 'y' || l == 'm' || l == 'd' || l == 'h' || l == 's') return true;
  }
  return false;
}

struct Styles {
  std::vector<std::string> xf_format;  // cellXfs index -> format code
  const std::string* format_of(const char* s) const {
    if (!s) return nullptr;
    const long i = std::strtol(s, nullptr, 10);
    return i >= 0 && static_cast<size_t>(i) < xf_format.size() ? &xf_format[static_cast<size_t>(i)] : nullptr;
  }
};

Styles read_styles(Archive& zip, const std::string& part) {
  Styles st;
  if (part.empty() || !zip.has(part)) return st;
  std::map<int, std::string> custom;
  std::vector<int> xf_ids;
  int depth_cell_xfs = 0;
  SaxHandler h;
  h.start = [&](const char* name, const char** atts) {
    if (std::strcmp(name, "numFmt") == 0) {
      const char* id = attr(atts, "numFmtId");
      const char* code = attr(atts, "formatCode");
      if (id && code) custom[std::atoi(id)] = code;
    } else if (std::strcmp(name, "cellXfs") == 0) {
      ++depth_cell_xfs;
    } else if (std::strcmp(name, "xf") == 0 && depth_cell_xfs) {
      const char* id = attr(atts, "numFmtId");
      xf_ids.push_back(id ? std::atoi(id) : 0);
    }
  };
  h.end = [&](const char* name) {
    if (std::strcmp(name, "cellXfs") == 0 && depth_cell_xfs) --depth_cell_xfs;
  };
  parse_xml(zip.read(part), h, "part " + part);
  for (int id : xf_ids) {
    auto it = custom.find(id);
    st.xf_format.push_back(it != custom.end() ? it->second : builtin_format(id));
  }
  return st;
}

std::vector<std::string> read_shared_strings(Archive& zip, const std::string& part) {
  std::vector<std::string> out;
  if (part.empty() || !zip.has(part)) return out;
  std::string cur;
  bool in_si = false, in_t = false;
  int in_phonetic = 0;
  SaxHandler h;
  h.start = [&](const char* name, const char**) {
    if (std::strcmp(name, "si") == 0) { in_si = true; cur.clear(); }
    else if (std::strcmp(name, "rPh") == 0) ++in_phonetic;
    else if (std::strcmp(name, "t") == 0) in_t = in_si && !in_phonetic;
  };
  h.end = [&](const char* name) {
    if (std::strcmp(name, "si") == 0) { out.push_back(cur); in_si = false; }
    else if (std::strcmp(name, "rPh") == 0) { if (in_phonetic) --in_phonetic; }
    else if (std::strcmp(name, "t") == 0) in_t = false;
  };
  h.text = [&](const char* s, int len) {
    if (in_t) cur.append(s, static_cast<size_t>(len));
  };
  parse_xml(zip.read(part), h, "part " + part);
  return out;
}

// Excel's 1900 date system: serial -> "YYYY-MM-DD".
std::string serial_date(double serial) {
  long days = static_cast<long>(std::floor(serial));
  // days since 1899-12-30 (Excel's fictitious 1900-02-29 is before any date we meet)
  long z = days - 25569 + 719468;  // to days since 0000-03-01 via the Unix epoch
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const long d = doy - (153 * mp + 2) / 5 + 1;
  const long m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld", y, m, d);
  return buf;
}

void read_sheet(Archive& zip, const std::string& part, Sheet& sheet, const std::vector<std::string>& shared,
                const Styles& styles) {
  if (!zip.has(part)) throw Error("sheet '" + sheet.name + "' has no part " + part);
  const std::string xml = zip.read(part);
  int row = -1, col = -1, last_col = -1;
  std::string type, v, inline_text;
  const std::string* format = nullptr;
  bool in_c = false, in_v = false, in_is = false, in_t = false, has_v = false, has_is = false, styled = false;
  int in_phonetic = 0;
  SaxHandler h;
  h.start = [&](const char* name, const char** atts) {
    if (std::strcmp(name, "row") == 0) {
      const char* r = attr(atts, "r");
      row = r ? std::atoi(r) - 1 : row + 1;
      last_col = -1;
    } else if (std::strcmp(name, "c") == 0) {
      in_c = true;
      const char* r = attr(atts, "r");
      int rc = 0, rr = 0;
      if (r && parse_ref(r, rc, rr)) { col = rc; row = rr; }
      else col = last_col + 1;
      last_col = col;
      const char* t = attr(atts, "t");
      type = t ? t : "n";
      const char* s = attr(atts, "s");
      styled = s != nullptr;
      format = styles.format_of(s);
      v.clear();
      inline_text.clear();
      has_v = has_is = false;
    } else if (in_c && std::strcmp(name, "v") == 0) {
      in_v = has_v = true;
    } else if (in_c && std::strcmp(name, "is") == 0) {
      in_is = has_is = true;
    } else if (std::strcmp(name, "rPh") == 0) {
      ++in_phonetic;
    } else if (in_is && std::strcmp(name, "t") == 0) {
      in_t = !in_phonetic;
    } else if (std::strcmp(name, "mergeCell") == 0) {
      const char* ref = attr(atts, "ref");
      if (!ref) return;
      const std::string s = ref;
      const size_t colon = s.find(':');
      Range m;
      if (colon == std::string::npos) {
        if (!parse_ref(s, m.col0, m.row0)) return;
        m.col1 = m.col0;
        m.row1 = m.row0;
      } else if (!parse_ref(s.substr(0, colon), m.col0, m.row0) || !parse_ref(s.substr(colon + 1), m.col1, m.row1)) {
        return;
      }
      sheet.merges.push_back(m);
    }
  };
  h.end = [&](const char* name) {
    if (std::strcmp(name, "v") == 0) in_v = false;
    else if (std::strcmp(name, "t") == 0) in_t = false;
    else if (std::strcmp(name, "rPh") == 0) { if (in_phonetic) --in_phonetic; }
    else if (std::strcmp(name, "is") == 0) in_is = false;
    else if (std::strcmp(name, "c") == 0 && in_c) {
      in_c = false;
      if (row < 0 || col < 0) return;
      Cell cell;
      cell.styled = styled;
      if (type == "s" && has_v) {
        const long i = std::strtol(v.c_str(), nullptr, 10);
        if (i < 0 || static_cast<size_t>(i) >= shared.size())
          throw Error("sheet '" + sheet.name + "' cell " + cell_name(col, row) + " names shared string " + v +
                      " of " + std::to_string(shared.size()));
        cell.kind = Cell::Kind::Text;
        cell.text = shared[static_cast<size_t>(i)];
      } else if (type == "inlineStr" || has_is) {
        cell.kind = Cell::Kind::Text;
        cell.text = inline_text;
      } else if (type == "str" && has_v) {
        cell.kind = Cell::Kind::Text;
        cell.text = v;
      } else if (type == "b" && has_v) {
        cell.kind = Cell::Kind::Boolean;
        cell.text = v == "1" ? "TRUE" : "FALSE";
      } else if (type == "e" && has_v) {
        cell.kind = Cell::Kind::Error;
        cell.text = v;
      } else if (has_v && !v.empty()) {
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (end == v.c_str()) {
          cell.kind = Cell::Kind::Text;
          cell.text = v;
        } else {
          cell.kind = Cell::Kind::Number;
          cell.number = d;
          const std::string code = format ? *format : "General";
          cell.is_date = is_date_format(code);
          cell.text = cell.is_date ? serial_date(d) : display_number(d, code);
        }
      }
      if (cell.kind == Cell::Kind::Text && cell.text.empty()) cell.kind = Cell::Kind::Empty;
      if (cell.kind == Cell::Kind::Empty && !cell.styled) return;
      sheet.cells[{row, col}] = std::move(cell);
      sheet.max_row = std::max(sheet.max_row, row);
      sheet.max_col = std::max(sheet.max_col, col);
    }
  };
  h.text = [&](const char* s, int len) {
    if (in_v) v.append(s, static_cast<size_t>(len));
    else if (in_t) inline_text.append(s, static_cast<size_t>(len));
  };
  parse_xml(xml, h, "sheet '" + sheet.name + "'");
}

// Rounds |value| to `decimals` places the way a spreadsheet displays it:
// from its 15 significant digits, ties away from zero. Returns the digits
// with a '.' (no sign, no grouping).
std::string round_decimal(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", std::fabs(value));  // d.dddddddddddddde±XX
  std::string digits;
  digits += buf[0];
  digits.append(buf + 2, 14);
  const int exponent = std::atoi(std::strchr(buf, 'e') + 1);
  // value = 0.digits x 10^(exponent + 1)
  int point = exponent + 1;  // digits before the decimal point
  if (point < 0) {
    digits.insert(0, static_cast<size_t>(-point), '0');
    point = 0;
  }
  if (static_cast<int>(digits.size()) < point + decimals + 1)
    digits.append(static_cast<size_t>(point + decimals + 1 - static_cast<int>(digits.size())), '0');
  const size_t keep = static_cast<size_t>(point + decimals);
  const bool up = digits[keep] >= '5';
  digits.resize(keep);
  if (up) {
    int i = static_cast<int>(keep) - 1;
    while (i >= 0 && digits[static_cast<size_t>(i)] == '9') digits[static_cast<size_t>(i--)] = '0';
    if (i >= 0) ++digits[static_cast<size_t>(i)];
    else { digits.insert(0, 1, '1'); ++point; }
  }
  std::string whole = point > 0 ? digits.substr(0, static_cast<size_t>(point)) : "0";
  size_t nz = whole.find_first_not_of('0');
  whole = nz == std::string::npos ? "0" : whole.substr(nz);
  std::string out = whole;
  if (decimals > 0) out += "." + digits.substr(static_cast<size_t>(point), static_cast<size_t>(decimals));
  return out;
}

}  // namespace

// ------------------------------------------------------------- public

bool parse_ref(const std::string& ref, int& col, int& row) {
  size_t i = 0;
  int c = 0;
  while (i < ref.size() && ref[i] == '$') ++i;
  const size_t letters = i;
  while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i]))) {
    c = c * 26 + (std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (c > 16384) return false;
    ++i;
  }
  if (i == letters) return false;
  while (i < ref.size() && ref[i] == '$') ++i;
  const size_t digits = i;
  long r = 0;
  while (i < ref.size() && std::isdigit(static_cast<unsigned char>(ref[i]))) {
    r = r * 10 + (ref[i] - '0');
    if (r > 1048576) return false;
    ++i;
  }
  if (i == digits || i != ref.size() || r < 1) return false;
  col = c - 1;
  row = static_cast<int>(r - 1);
  return true;
}

std::string column_name(int col) {
  std::string s;
  for (int c = col + 1; c > 0; c = (c - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
  return s;
}

std::string cell_name(int col, int row) { return column_name(col) + std::to_string(row + 1); }

std::string collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    bool ws = c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) { ws = true; ++i; }
    if (ws) { space = !out.empty(); continue; }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

std::string Sheet::text(int col, int row) const {
  const Cell* c = at(col, row);
  return c ? collapse(c->text) : std::string();
}

std::string display_number(double value, const std::string& format_code) {
  if (!std::isfinite(value)) return "";
  const std::string core = format_core(format_code);
  bool general = core.empty() || core == "General" || core == "@";
  bool scientific = false;
  for (char c : core) scientific = scientific || c == 'E' || c == 'e';
  if (general || scientific) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", value);
    // Spreadsheets show at most about ten significant digits in General.
    std::snprintf(buf, sizeof buf, "%.10g", std::strtod(buf, nullptr));
    return buf;
  }
  const bool percent = core.find('%') != std::string::npos;
  int decimals = 0;
  const size_t dot = core.find('.');
  if (dot != std::string::npos)
    for (size_t i = dot + 1; i < core.size() && (core[i] == '0' || core[i] == '#' || core[i] == '?'); ++i) ++decimals;
  const std::string before = core.substr(0, dot);
  const bool grouped = before.find(',') != std::string::npos && before.find_first_of("0#?") < before.rfind(',');
  const double shown = percent ? value * 100 : value;
  std::string digits = round_decimal(shown, decimals);
  if (grouped) {
    const size_t p = digits.find('.');
    std::string whole = digits.substr(0, p), rest = p == std::string::npos ? "" : digits.substr(p);
    for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) whole.insert(static_cast<size_t>(i), ",");
    digits = whole + rest;
  }
  bool zero = digits.find_first_not_of("0.,") == std::string::npos;
  return (value < 0 && !zero ? "-" : "") + digits + (percent ? "%" : "");
}

Workbook read_workbook(const std::string& path, const Limits& limits) {
  Archive zip(path, limits);
  std::string workbook_part = read_rels(zip, "_rels/.rels", "").of_type("/officeDocument");
  if (workbook_part.empty() || !zip.has(workbook_part)) workbook_part = "xl/workbook.xml";
  if (!zip.has(workbook_part)) throw Error("a zip archive without a workbook (no xl/workbook.xml): not an .xlsx file");
  const std::string base = dir_of(workbook_part);
  const std::string rels_part = base + "_rels/" + workbook_part.substr(base.size()) + ".rels";

  const Relationships rels = read_rels(zip, rels_part, base);
  std::string shared_part = rels.of_type("/sharedStrings"), styles_part = rels.of_type("/styles");
  if (shared_part.empty() && zip.has(base + "sharedStrings.xml")) shared_part = base + "sharedStrings.xml";
  if (styles_part.empty() && zip.has(base + "styles.xml")) styles_part = base + "styles.xml";

  Workbook wb;
  struct Entry {
    std::string name, rid;
  };
  std::vector<Entry> entries;
  {
    SaxHandler h;
    h.start = [&](const char* name, const char** atts) {
      if (std::strcmp(name, "sheet") != 0) return;
      const char* n = attr(atts, "name");
      const char* rid = attr(atts, "id");
      entries.push_back({n ? n : "", rid ? rid : ""});
    };
    parse_xml(zip.read(workbook_part), h, "part " + workbook_part);
  }
  if (entries.empty()) throw Error("the workbook lists no sheets");
  wb.strings = read_shared_strings(zip, shared_part);
  const Styles styles = read_styles(zip, styles_part);
  int index = 0;
  for (const auto& e : entries) {
    Sheet sheet;
    sheet.name = e.name;
    sheet.index = ++index;
    auto it = rels.by_id.find(e.rid);
    if (it == rels.by_id.end()) throw Error("sheet '" + e.name + "' has no part (relationship " + e.rid + " missing)");
    read_sheet(zip, it->second, sheet, wb.strings, styles);
    wb.sheets.push_back(std::move(sheet));
  }
  if (zip.has("docProps/core.xml")) {
    bool in_creator = false;
    SaxHandler h;
    h.start = [&](const char* name, const char**) { in_creator = std::strcmp(name, "creator") == 0; };
    h.end = [&](const char*) { in_creator = false; };
    h.text = [&](const char* s, int len) {
      if (in_creator) wb.core_creator.append(s, static_cast<size_t>(len));
    };
    try {
      parse_xml(zip.read("docProps/core.xml"), h, "part docProps/core.xml");
    } catch (const Error&) {
      wb.core_creator.clear();  // metadata only: a damaged core part does not stop the read
    }
  }
  return wb;
}

}  // namespace xlsx
