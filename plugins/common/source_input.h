// Filling the analytica_input a host lends a source's next(). The host's
// struct may be older (shorter) than this SDK's: members past its
// struct_size are never written, and has_input_member() tells a source
// whether the host can hear of them (an older host cannot be told of an
// input's error, say). Header-only, compiled into each source plugin.
#ifndef ANALYTICA_PLUGINS_COMMON_SOURCE_INPUT_H
#define ANALYTICA_PLUGINS_COMMON_SOURCE_INPUT_H

#include <analytica.h>

#include <cstddef>
#include <string>

namespace analytica_source {

// Whether the host's struct has room for the const char* member at offset.
inline bool has_input_member(const analytica_input* in, size_t offset) {
  return in && in->struct_size >= offset + sizeof(const char*);
}

// What one input says. Strings are borrowed: they must outlive the host's
// use of the input (until the source's next call of next()). Empty strings
// go out as NULL, except uri, path and display_name.
struct InputText {
  std::string uri, path, display_name, bookmark_key, bookmark_value, etag, error;
};

// Writes `text` into out: the 1.0 members always, the 1.2 ones where the
// host's struct has room. sha256 is NULL (governance computes it). A NULL
// path goes out when text.path is empty (only meaningful with an error).
inline void fill_input(analytica_input* out, const InputText& text) {
  auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  out->uri = text.uri.c_str();
  out->path = or_null(text.path);
  out->display_name = text.display_name.c_str();
  out->sha256 = nullptr;
  if (has_input_member(out, offsetof(analytica_input, bookmark_value))) {
    out->bookmark_key = or_null(text.bookmark_key);
    out->bookmark_value = text.bookmark_key.empty() ? nullptr : text.bookmark_value.c_str();
  }
  if (has_input_member(out, offsetof(analytica_input, etag))) out->etag = or_null(text.etag);
  if (has_input_member(out, offsetof(analytica_input, error))) out->error = or_null(text.error);
}

}  // namespace analytica_source

#endif  // ANALYTICA_PLUGINS_COMMON_SOURCE_INPUT_H
