// Reads a plugin library's kind note (analytica.h, ANALYTICA_PLUGIN_NOTE) from
// the file, without loading it: nothing of the library runs.
#ifndef ANALYTICA_HOST_RUN_PLUGIN_NOTE_H
#define ANALYTICA_HOST_RUN_PLUGIN_NOTE_H

#include "analytica.h"

#include <filesystem>
#include <optional>

namespace analytica {

// The kind the note of `file` declares; nullopt when the file has no note we
// can read (no such section, not a 64-bit little-endian ELF file, another ABI
// major, a damaged or unreadable file). Never throws; reads at most a few KiB
// besides the section header table.
std::optional<analytica_plugin_kind> noted_kind(const std::filesystem::path& file);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_PLUGIN_NOTE_H
