// How source_directory shows file names it cannot trust: Linux names are
// bytes (anything but '/' and NUL), not UTF-8 text. The path handed to the
// host stays the exact bytes (it is what gets opened); every name meant to
// be read — the input's display_name, its uri, and every message the plugin
// raises — goes through one of these two escapings, so it is valid UTF-8,
// holds no control character (one message is one line) and still tells
// distinct names apart. See README.md in this folder.
#ifndef ANALYTICA_PLUGINS_SOURCE_DIRECTORY_NAMES_H
#define ANALYTICA_PLUGINS_SOURCE_DIRECTORY_NAMES_H

#include <string>
#include <string_view>

namespace source_directory {

// The display form: valid UTF-8 passes through unchanged, except
//   - a byte that is not part of valid UTF-8 becomes \xHH (e.g. "R\xE9sum\xE9.pdf"),
//   - a control character (U+0000–U+001F, U+007F, U+0080–U+009F, and the
//     line/paragraph separators U+2028, U+2029) becomes \xHH for each of its
//     UTF-8 bytes (a newline is "\x0A", U+0085 is "\xC2\x85"),
//   - a backslash becomes "\\", so the escaping cannot be forged by a name.
// Hex digits are upper case.
std::string display_escape(std::string_view bytes);

// The URI form of an absolute path: "file://" followed by the path with
// each byte that is not part of valid UTF-8, each byte of a control
// character (as above) and each '%' percent-encoded as %HH (RFC 3986 style,
// upper case). Everything else — '/', spaces, non-ASCII UTF-8 — stays as it
// was, so the URIs of ordinary names did not change.
std::string file_uri(std::string_view absolute_path);

}  // namespace source_directory

#endif  // ANALYTICA_PLUGINS_SOURCE_DIRECTORY_NAMES_H
