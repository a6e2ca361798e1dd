// Kind notes (analytica.h, ANALYTICA_PLUGIN_NOTE): read from the library file
// without loading it, and used to load only the plugins of the kind asked for.
#include "support/support.h"

#include "run/plugin_loader.h"
#include "run/plugin_note.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;
using analytica::noted_kind;

namespace {

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

bool lists(const std::vector<analytica::PluginCatalog::Entry>& entries, const std::string& file_name) {
  for (const auto& e : entries)
    if (e.file.filename() == file_name) return true;
  return false;
}

}  // namespace

TEST_CASE("every project plugin's kind note names its descriptor's kind", "[abi][note]") {
  int plugins = 0;
  for (const fs::path& file : analytica::plugin_files({PLUGIN_DIR})) {
    INFO(file.string());
    const auto noted = noted_kind(file);
    REQUIRE(noted);
    analytica::LoadedPlugin plugin(file);
    CHECK(*noted == plugin.descriptor().kind);
    ++plugins;
  }
  CHECK(plugins >= 18);
}

TEST_CASE("a file without a readable kind note has no noted kind", "[abi][note]") {
  TempDir t;
  const fs::path plugin = fs::path(PLUGIN_DIR) / "libsource_directory.so";
  const std::string bytes = read_bytes(plugin);
  REQUIRE(noted_kind(plugin) == ANALYTICA_KIND_SOURCE);

  CHECK_FALSE(noted_kind(fs::path(TEST_PLUGIN_DIR) / "libtest_c_extractor.so"));  // C, written without one
  CHECK_FALSE(noted_kind(t.path / "missing.so"));
  write_bytes(t.path / "text.so", "not a library\n");
  CHECK_FALSE(noted_kind(t.path / "text.so"));
  write_bytes(t.path / "head.so", bytes.substr(0, 100));  // the ELF header, no section table
  CHECK_FALSE(noted_kind(t.path / "head.so"));
  write_bytes(t.path / "front.so", bytes.substr(0, bytes.size() / 2));  // section table cut off
  CHECK_FALSE(noted_kind(t.path / "front.so"));

  std::string damaged = bytes;
  const size_t magic = damaged.find(ANALYTICA_NOTE_MAGIC);
  REQUIRE(magic != std::string::npos);
  damaged[magic] = 'X';
  write_bytes(t.path / "damaged.so", damaged);
  CHECK_FALSE(noted_kind(t.path / "damaged.so"));
}

TEST_CASE("a scan for one kind leaves libraries noted as another kind unloaded", "[abi][note]") {
  TempDir t;
  const fs::path marker = t.path / "loaded";
  ::setenv("ANALYTICA_TEST_LOADED_MARKER", marker.c_str(), 1);

  analytica::PluginCatalog extractors({TEST_PLUGIN_DIR});
  const auto only = extractors.scan(ANALYTICA_KIND_EXTRACTOR);
  CHECK_FALSE(lists(only, "libtest_note_only.so"));
  CHECK_FALSE(fs::exists(marker));
  CHECK(lists(only, "libtest_c_extractor.so"));  // no note: loaded to ask
  CHECK(lists(only, "libtest_no_entry.so"));     // no note: loaded, and refused

  analytica::PluginCatalog all({TEST_PLUGIN_DIR});
  const auto every = all.scan();
  CHECK(lists(every, "libtest_note_only.so"));
  CHECK(fs::exists(marker));
  ::unsetenv("ANALYTICA_TEST_LOADED_MARKER");
}
