// libFuzzer target: the configuration loader of the host (run/config.h) —
// a pipeline file and a central configuration file, both from the fuzzer's
// bytes. A UserError (the one-line "file: key path: expected ..." refusal)
// is the accepted outcome of a bad file; a crash, a sanitizer report or a
// stack overflow is a finding. With ANALYTICA_FUZZ_STRICT=1, any other
// exception escaping the loader aborts too (the README promises exit 2 and
// one line naming file and key path for every configuration error).
//
// With ANALYTICA_FUZZ_SEEDS=DIR set, writes the seed corpus instead — the
// project's own pipelines and central configuration plus variants — and exits.
#include "run/config.h"
#include "run/util.h"
#include "seeds.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

fs::path g_file;  // where each input is written (the loader reads files)
bool g_strict = false;

void write_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  int n = 0;
  const fs::path config = fs::path(SOURCE_DIR) / "config";
  for (const auto& e : fs::recursive_directory_iterator(config))
    if (e.is_regular_file() && e.path().extension() == ".json")
      fs::copy_file(e.path(), dir / ("project_" + std::to_string(n++) + ".json"), fs::copy_options::overwrite_existing);
  const char* extra[] = {
      R"({"name":"x","sources":[{"plugin":"source_directory","settings":{"path":"${data_dir}/in","recursive":true}}],)"
      R"("extractors":[{"plugin":"extractor_csv","settings":{"key":["id"]}}],"sinks":[{"plugin":"sink_sqlite"}],)"
      R"("governance":{"settings":{"openlineage_path":"${pipeline_dir}/ol.jsonl"}},)"
      R"("review":{"auto_approve_threshold":0.5,"validated_views":{"v":"t"}},"$comment":[1,2.5,null,{"a":"${config_dir}"}]})",
      R"({"data_dir":"/tmp/x","database":"${data_dir}/a.db","plugin_dirs":["${exe_dir}/p"],"log":{"level":"warn","format":"json","file":"${data_dir}/l"}})",
      "// comment\n{\"name\": \"c\", /* block */ \"sources\": [], \"extractors\": [], \"sinks\": []}",
  };
  for (const char* text : extra) std::ofstream(dir / ("extra_" + std::to_string(n++) + ".json")) << text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(write_seeds);
  g_strict = std::getenv("ANALYTICA_FUZZ_STRICT") && std::string(std::getenv("ANALYTICA_FUZZ_STRICT")) == "1";
  g_file = fs::temp_directory_path() / ("analytica_fuzz_config_" + std::to_string(getpid()) + ".json");
  std::atexit([] { std::remove(g_file.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(g_file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  analytica::Settings settings;
  settings.data_dir = "/tmp/analytica-fuzz";
  settings.database = "/tmp/analytica-fuzz/analytica.db";
  try {
    const analytica::Pipeline p = analytica::load_pipeline(g_file, settings);
    (void)p.resolved.dump();  // the run hashes the resolved pipeline
  } catch (const analytica::UserError&) {
  } catch (const std::exception& e) {
    if (g_strict) {
      std::fprintf(stderr, "pipeline: unexpected %s\n", e.what());
      std::abort();
    }
  }
  try {
    analytica::Overrides flags;
    flags.config = g_file.string();
    (void)analytica::load_settings(flags);
  } catch (const analytica::UserError&) {
  } catch (const std::exception& e) {
    if (g_strict) {
      std::fprintf(stderr, "central config: unexpected %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
