// source_directory: yields the files of one local directory that match a
// glob, in byte-wise name order (stable across runs and machines). Whether a
// file was already ingested is governance's call, not the source's.
//
// One bad entry never stops the run: a symbolic link loop, a dangling link,
// a FIFO, a link to a device, a directory named like a report, an
// unreadable subdirectory — each is handed to the host as an input with an
// error ("skipped: REASON"), which the host reports on one line ("NAME:
// skipped: REASON") and governance counts as a failed input; the listing
// goes on. Unusable entries come first, in name order, then the files. Names are shown escaped
// (names.h): the path handed to the host keeps the exact bytes, the
// display_name and uri are valid UTF-8 on one line.
#include "../common/source_input.h"
#include "instance_glue.h"
#include "names.h"
#include "scan.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;
using source_directory::display_escape;

struct Source {
  const analytica_host* host;
  fs::path dir;
  std::string pattern;
  bool recursive = false;
  bool listed = false;  // the directory is listed on the first next(), inside the run
  std::vector<fs::path> files;
  size_t next = 0;
  std::vector<source_directory::Unusable> unusable;
  size_t next_unusable = 0;
  analytica_source::InputText input;  // the last yielded input: out's strings point into it

  // An entry that matched but cannot be read (raw_name relative to dir).
  // Hands it to the host as an input with an error — a failed input, named
  // and counted — and returns true; a host older than 1.2 cannot hear of
  // it, so it gets one warning line through the run events and false.
  bool hand_over_unusable(analytica_input* out, const std::string& raw_name, const std::string& reason) {
    if (analytica_source::has_input_member(out, offsetof(analytica_input, error))) {
      std::string file = raw_name;
      if (!file.empty() && file.back() == '/') file.pop_back();  // a directory is listed as "sub/"
      input = {source_directory::file_uri(fs::absolute(dir / file).lexically_normal().string()), "",
               display_escape(raw_name), "", "", "", "skipped: " + reason};
      analytica_source::fill_input(out, input);
      return true;
    }
    const std::string line = display_escape(raw_name) + ": skipped: " + reason;
    if (host && host->struct_size >= offsetof(analytica_host, event) + sizeof host->event && host->event)
      host->event(host->ctx, ANALYTICA_EVENT_WARNING, line.c_str());
    else if (host && host->log)
      host->log(host->ctx, ANALYTICA_LOG_WARN, line.c_str());
    return false;
  }
};

std::unique_ptr<Source> make_source(const analytica_host* host, const nlohmann::json& s) {
  auto src = std::make_unique<Source>();
  src->host = host;
  src->dir = s.at("path").get<std::string>();
  src->pattern = s.value("pattern", "*");
  src->recursive = s.value("recursive", false);
  const std::string shown = display_escape(src->dir.string());
  std::error_code ec;
  if (!fs::is_directory(src->dir, ec)) throw Failure(ANALYTICA_ERR_IO, shown + ": no such directory");
  fs::directory_iterator probe(src->dir, ec);  // the directory itself must be readable
  if (ec) throw Failure(ANALYTICA_ERR_IO, shown + ": cannot read directory: " + ec.message());
  return src;
}

analytica_status next(void* self, analytica_input* out) {
  return analytica::glue::guarded<Source>(self, [&](Source* src) {
    if (!src->listed) {
      src->listed = true;
      source_directory::Listing listing;
      try {
        listing = source_directory::scan_directory(src->dir, src->pattern, src->recursive);
      } catch (const fs::filesystem_error& e) {
        throw Failure(ANALYTICA_ERR_IO, display_escape(src->dir.string()) + ": cannot read directory: " +
                                            e.code().message());
      }
      src->files = std::move(listing.files);
      src->unusable = std::move(listing.unusable);
    }
    // Unusable entries first (in name order), then the files.
    while (src->next_unusable < src->unusable.size()) {
      const source_directory::Unusable& u = src->unusable[src->next_unusable++];
      if (src->hand_over_unusable(out, u.name, u.reason)) return ANALYTICA_OK;
    }
    while (src->next < src->files.size()) {
      const fs::path& f = src->files[src->next++];
      // Checked again: the entry may have changed since the listing (a FIFO
      // would block whoever reads it).
      const std::string why = source_directory::why_unusable(f);
      if (!why.empty()) {
        if (src->hand_over_unusable(out, f.lexically_relative(src->dir).string(), why)) return ANALYTICA_OK;
        continue;
      }
      src->input = {source_directory::file_uri(fs::absolute(f).lexically_normal().string()), f.string(),
                    display_escape(f.filename().string()), "", "", "", ""};
      analytica_source::fill_input(out, src->input);
      return ANALYTICA_OK;
    }
    return ANALYTICA_DONE;
  });
}

const analytica_source_v1 kSource = {sizeof(analytica_source_v1), next};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_SOURCE, "source_directory", "1.1.0",
                 "files of a local directory matching a glob, in name order", source_directory::kSettings,
                 analytica::glue::create<make_source>, analytica::glue::destroy<Source>,
                 {ANALYTICA_SOURCE_V1, &kSource})
