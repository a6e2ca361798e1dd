// The dashboard's static files (host/web), compiled into the executable by
// host/web/embed.cmake.
#ifndef ANALYTICA_HOST_SERVE_ASSETS_H
#define ANALYTICA_HOST_SERVE_ASSETS_H

#include <cstddef>
#include <string>

namespace analytica {

struct WebAsset {
  const char* path;          // "/app.js"
  const char* content_type;  // "text/javascript; charset=utf-8"
  const unsigned char* data;
  size_t size;
};

// The asset served at path ("/app.js"), or null.
const WebAsset* find_web_asset(const std::string& path);

}  // namespace analytica

#endif  // ANALYTICA_HOST_SERVE_ASSETS_H
