// The plugin ABI as the host enforces it: loading, version checks, a plain C
// plugin, and exceptions caught at the plugin's edge.
#include "support/support.h"

#include <analytica_cpp.hpp>
#include "run/plugin_loader.h"
#include "run/util.h"

#include <catch2/catch.hpp>

#include <cstddef>

namespace fs = std::filesystem;
using analytica::LoadedPlugin;

TEST_CASE("a plugin of another ABI major is refused naming the file and both versions", "[abi]") {
  const fs::path file = fs::path(TEST_PLUGIN_DIR) / "libtest_abi_major2.so";
  try {
    LoadedPlugin p(file);
    FAIL("loaded a plugin of ABI major 2");
  } catch (const analytica::UserError& e) {
    const std::string msg = e.what();
    CHECK(msg.find(file.string()) != std::string::npos);
    CHECK(msg.find("plugin ABI 2.0") != std::string::npos);
    CHECK(msg.find("host ABI " + std::to_string(ANALYTICA_ABI_MAJOR) + "." + std::to_string(ANALYTICA_ABI_MINOR)) !=
          std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
}

TEST_CASE("a plugin of a newer minor is refused, same minor loads", "[abi]") {
  CHECK_THROWS_WITH(LoadedPlugin(fs::path(TEST_PLUGIN_DIR) / "libtest_abi_newer_minor.so"),
                    Catch::Contains("newer than host ABI"));
  LoadedPlugin same(fs::path(TEST_PLUGIN_DIR) / "libtest_abi_same.so");
  CHECK(same.name() == "test_abi_same");
  CHECK(same.kind_name() == "source");
}

TEST_CASE("a plugin built for an older minor loads, and members it lacks read as absent", "[abi]") {
  LoadedPlugin older(fs::path(TEST_PLUGIN_DIR) / "libtest_abi_older_minor.so");
  CHECK(older.descriptor().abi_minor == 0);
  CHECK(older.name() == "test_abi_older_minor");
  // A sink table of ABI 1.0 ends before lock_source: the host's copy has it NULL.
  analytica_sink_v1 old_table{};
  old_table.struct_size = offsetof(analytica_sink_v1, lock_source);
  old_table.lock_source = reinterpret_cast<analytica_status (*)(void*, const char*)>(0x1);  // beyond struct_size
  const analytica_sink_v1 seen = analytica::read_sized(&old_table);
  CHECK(seen.lock_source == nullptr);
  CHECK(seen.struct_size == offsetof(analytica_sink_v1, lock_source));
}

TEST_CASE("a library without the entry symbol is refused", "[abi]") {
  CHECK_THROWS_WITH(LoadedPlugin(fs::path(TEST_PLUGIN_DIR) / "libtest_no_entry.so"),
                    Catch::Contains("no analytica_plugin_entry symbol"));
}

TEST_CASE("plugins list shows loaded plugins and the refused ones with their reason", "[abi][cli]") {
  const auto r = run_cli({"plugins", "list"});
  CHECK(r.status == 1);  // some test plugins are refused on purpose
  CHECK(r.out.rfind("NAME ", 0) == 0);  // a header row first
  CHECK(r.out.find("test_c_extractor") != std::string::npos);
  CHECK(r.out.find("governance") != std::string::npos);
  CHECK(r.out.find("REFUSED") != std::string::npos);
  CHECK(r.out.find("libtest_abi_major2.so: plugin ABI 2.0 is incompatible") != std::string::npos);

  const auto j = run_cli({"plugins", "list", "--json"});
  CHECK(j.out.find("\"kind\": \"extractor\"") != std::string::npos);

  const auto inspect = run_cli({"plugins", "inspect", "source_directory"});
  CHECK(inspect.status == 0);
  CHECK(inspect.out.find("pattern (string, default \"*\")") != std::string::npos);
  CHECK(inspect.out.find("analytica.source/1") != std::string::npos);

  const auto missing = run_cli({"plugins", "inspect", "no_such_plugin"});
  CHECK(missing.status == 2);
  CHECK(missing.err.find("plugin \"no_such_plugin\" not found") != std::string::npos);
}

TEST_CASE("a plugin written in plain C loads and runs", "[abi][c]") {
  TempDir t;
  write_text(t / "items.txt", "apples 3\npears 5\n");
  const auto r = run_cli({"extract", (t / "items.txt").string(), "--extractor", "test_c_extractor"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("\"c_items\"") != std::string::npos);
  CHECK(r.out.find("\"name\": \"pears\"") != std::string::npos);
  CHECK(r.out.find("\"value\": 5") != std::string::npos);
}

TEST_CASE("an exception inside a plugin is reported as an error and the host carries on", "[abi][pipeline]") {
  TempDir t;
  write_text(t / "inbox/a.boom", "x");
  write_text(t / "inbox/b.ok", "y");
  write_text(t / "p.json", R"({
    "name": "throwing",
    "sources": [{"plugin": "source_directory", "settings": {"path": "${data_dir}/inbox"}}],
    "extractors": [{"plugin": "test_throwing_extractor"}],
    "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}]
  })");
  const auto r = run_cli({"--data-dir", t.path.string(), "run", (t / "p.json").string()});
  CHECK(r.status == 1);
  CHECK(r.err.find("a.boom: test_throwing_extractor: extract: kaboom while reading a.boom") != std::string::npos);
  CHECK(r.out.find("2 input(s), 1 ingested, 0 unchanged, 1 failed") != std::string::npos);
  CHECK(sql_rows(t / "analytica.db", "SELECT name FROM ok_files") == std::vector<std::string>{"b.ok"});
  CHECK(sql_rows(t / "analytica.db", "SELECT name, status FROM governance_sources ORDER BY name") ==
        std::vector<std::string>{"a.boom|failed", "b.ok|ingested"});
}
