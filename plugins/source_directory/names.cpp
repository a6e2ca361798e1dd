// Escaping of file names for display and URIs (see names.h).
#include "names.h"

#include <cstdint>

namespace source_directory {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] and its code point,
// or 0 if the bytes there are not valid UTF-8 (overlong forms, surrogates
// and code points above U+10FFFF are invalid).
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) { cp = c; return 1; }
  size_t n;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1Fu; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0Fu; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07u; min = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool is_control(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

const char kHex[] = "0123456789ABCDEF";

// Copies `bytes`, writing each byte of an invalid or control sequence as
// `prefix` and two hex digits; `special` may write a single ASCII byte its own
// way (returns true if it did).
template <typename Special>
std::string escape(std::string_view bytes, const char* prefix, Special&& special) {
  std::string out;
  out.reserve(bytes.size());
  const auto hex = [&](unsigned char byte) {
    out += prefix;
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  };
  for (size_t i = 0; i < bytes.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_sequence(bytes, i, cp);
    if (n == 0) {  // not UTF-8: this one byte
      hex(static_cast<unsigned char>(bytes[i]));
      ++i;
    } else if (is_control(cp)) {
      for (size_t k = 0; k < n; ++k) hex(static_cast<unsigned char>(bytes[i + k]));
      i += n;
    } else if (n == 1 && special(bytes[i], out)) {
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace

std::string display_escape(std::string_view bytes) {
  return escape(bytes, "\\x", [](char c, std::string& out) {
    if (c != '\\') return false;
    out += "\\\\";
    return true;
  });
}

std::string file_uri(std::string_view absolute_path) {
  std::string out = "file://";
  out += escape(absolute_path, "%", [](char c, std::string& o) {
    if (c != '%') return false;
    o += "%25";
    return true;
  });
  return out;
}

}  // namespace source_directory
