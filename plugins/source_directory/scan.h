// Listing one directory for source_directory: the regular files to yield,
// and every entry that matched the pattern but cannot be used, with why.
// Nothing here throws for one bad entry: a symlink loop, a dangling link, a
// FIFO, a device, an unreadable subdirectory each become one Unusable and the
// listing goes on.
#ifndef ANALYTICA_PLUGINS_SOURCE_DIRECTORY_SCAN_H
#define ANALYTICA_PLUGINS_SOURCE_DIRECTORY_SCAN_H

#include <filesystem>
#include <string>
#include <vector>

namespace source_directory {

struct Unusable {
  std::string name;    // path relative to the listed directory, raw bytes ("sub/" for a directory)
  std::string reason;  // one line of plain ASCII, e.g. "symbolic link loop"
};

struct Listing {
  std::vector<std::filesystem::path> files;  // regular files (or links to them), sorted
  std::vector<Unusable> unusable;            // sorted by name
};

// Lists `dir`: entries whose file name matches the fnmatch(3) `pattern`;
// with `recursive`, real subdirectories too (links to directories are not
// followed, as before). Throws std::filesystem::filesystem_error only if
// `dir` itself cannot be read.
Listing scan_directory(const std::filesystem::path& dir, const std::string& pattern, bool recursive);

// Why `file` (a listed file, checked again just before it is handed out) is
// no longer a readable regular file; "" if it still is.
std::string why_unusable(const std::filesystem::path& file);

}  // namespace source_directory

#endif  // ANALYTICA_PLUGINS_SOURCE_DIRECTORY_SCAN_H
