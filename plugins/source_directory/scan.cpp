// Directory listing for source_directory (see scan.h). Walks with an
// explicit stack, so a deep tree cannot exhaust the call stack, and never
// follows a link to a directory, so a link cannot make it loop.
#include "scan.h"

#include <fnmatch.h>

#include <algorithm>
#include <system_error>

namespace source_directory {
namespace fs = std::filesystem;

namespace {

std::string type_name(fs::file_type t) {
  switch (t) {
    case fs::file_type::regular: return "a regular file";
    case fs::file_type::directory: return "a directory";
    case fs::file_type::symlink: return "a symbolic link";
    case fs::file_type::fifo: return "a FIFO (named pipe)";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    default: return "a file of unknown type";
  }
}

// Why the target of `path` (followed through links) is not a regular file,
// or "" if it is one.
std::string target_problem(const fs::path& path, bool is_link) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) {
    if (ec == std::errc::too_many_symbolic_link_levels) return "symbolic link loop";
    if (st.type() == fs::file_type::not_found || ec == std::errc::no_such_file_or_directory)
      return is_link ? "dangling symbolic link (its target does not exist)" : "no longer exists";
    return (is_link ? "cannot follow symbolic link: " : "cannot read its status: ") + ec.message();
  }
  if (st.type() == fs::file_type::regular) return "";
  return is_link ? "symbolic link to " + type_name(st.type()) + ", not a regular file"
                 : "is " + type_name(st.type()) + ", not a regular file";
}

}  // namespace

Listing scan_directory(const fs::path& dir, const std::string& pattern, bool recursive) {
  Listing out;
  struct Pending {
    fs::path path;
    std::string rel;  // "" for dir itself, else "a/b"
  };
  std::vector<Pending> todo{{dir, ""}};
  while (!todo.empty()) {
    const Pending d = std::move(todo.back());
    todo.pop_back();
    const std::string shown = d.rel.empty() ? "." : d.rel + "/";
    std::error_code ec;
    fs::directory_iterator it(d.path, ec);
    if (ec) {
      if (d.rel.empty()) throw fs::filesystem_error("cannot read directory", d.path, ec);
      out.unusable.push_back({shown, "cannot read directory: " + ec.message()});
      continue;
    }
    for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      const std::string file = p.filename().string();
      const std::string rel = d.rel.empty() ? file : d.rel + "/" + file;
      const bool matches = fnmatch(pattern.c_str(), file.c_str(), 0) == 0;
      std::error_code lec;
      const fs::file_status ls = fs::symlink_status(p, lec);
      if (lec) {
        if (matches) out.unusable.push_back({rel, "cannot read its status: " + lec.message()});
        continue;
      }
      if (ls.type() == fs::file_type::directory) {
        if (recursive)
          todo.push_back({p, rel});
        else if (matches)
          out.unusable.push_back({rel, "is a directory, not a regular file (recursive is off)"});
        continue;
      }
      if (!matches) continue;
      if (ls.type() == fs::file_type::regular) {
        out.files.push_back(p);
        continue;
      }
      const bool is_link = ls.type() == fs::file_type::symlink;
      std::string why = is_link ? target_problem(p, true) : "is " + type_name(ls.type()) + ", not a regular file";
      if (why.empty())
        out.files.push_back(p);  // a link to a regular file
      else
        out.unusable.push_back({rel, why});
    }
    if (ec) out.unusable.push_back({shown, "listing stopped early: " + ec.message()});
  }
  std::sort(out.files.begin(), out.files.end());
  std::stable_sort(out.unusable.begin(), out.unusable.end(),
                   [](const Unusable& a, const Unusable& b) { return a.name < b.name; });
  return out;
}

std::string why_unusable(const fs::path& file) {
  std::error_code ec;
  const bool is_link = fs::is_symlink(fs::symlink_status(file, ec));
  return target_problem(file, is_link);
}

}  // namespace source_directory
