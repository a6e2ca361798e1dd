// Configuration errors: each names the file, the key path and what was
// expected, and stops the command before anything runs.
#include "support/support.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace fs = std::filesystem;

namespace {

const char* kGood = R"({
  "name": "good",
  "sources": [{"plugin": "source_directory", "settings": {"path": "${data_dir}/inbox"}}],
  "extractors": [{"plugin": "extractor_csv"}],
  "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}]
})";

// Runs a pipeline text and returns the result; the database must not appear.
CliResult run_pipeline(const TempDir& t, const std::string& text) {
  fs::create_directories(t / "inbox");
  write_text(t / "p.json", text);
  auto r = run_cli({"--data-dir", t.path.string(), "run", (t / "p.json").string()});
  CHECK_FALSE(fs::exists(t / "analytica.db"));
  return r;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("config errors name file, key path and expectation", "[config]") {
  TempDir t;
  const std::string file = (t / "p.json").string();
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {replace(kGood, "\"name\"", "\"nmae\""), file + ": nmae: unknown key (expected one of name, description"},
      {replace(kGood, "\"good\"", "42"), file + ": name: expected string, got number"},
      {replace(kGood, "\"sinks\"", "\"sinkz\""), file + ": sinkz: unknown key"},
      {replace(kGood, "\"plugin\": \"extractor_csv\"", "\"plugin\": \"extractor_nope\""),
       file + ": extractors[0].plugin: plugin \"extractor_nope\" not found"},
      {replace(kGood, "\"plugin\": \"extractor_csv\"", "\"plugin\": \"source_directory\""),
       file + ": extractors[0].plugin: source_directory is a source plugin, expected a extractor"},
      {replace(kGood, "\"path\": \"${data_dir}/inbox\"", "\"path\": \"${data_dir}/inbox\", \"patern\": \"*\""),
       file + ": sources[0].settings.patern: unknown setting of plugin source_directory (expected one of path, pattern, recursive)"},
      {replace(kGood, "\"path\": \"${data_dir}/inbox\"", "\"path\": 7"),
       file + ": sources[0].settings.path: expected string, got number"},
      {replace(kGood, "{\"path\": \"${data_dir}/inbox\"}", "{}"),
       file + ": sources[0].settings: missing required setting \"path\" of plugin source_directory"},
      {replace(kGood, "${data_dir}/inbox", "${dataa_dir}/inbox"), file + ": sources[0].settings.path: unknown variable ${dataa_dir}"},
      {replace(kGood, "\"sinks\"", "\"governance\": {\"enabled\": false}, \"sinks\""),
       file + ": governance: governance is mandatory and cannot be switched off"},
      {"{ \"name\": ", file + ":1:11: invalid JSON"},
  };
  for (const auto& c : cases) {
    const auto r = run_pipeline(t, c.text);
    INFO(c.text);
    CHECK(r.status == 2);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
    CHECK(r.out.empty());
  }
}

TEST_CASE("a missing pipeline file or config file is a one-line error", "[config]") {
  TempDir t;
  auto r = run_cli({"run", (t / "nope.json").string()});
  CHECK(r.status == 2);
  CHECK(r.err == "analytica: " + (t / "nope.json").string() + ": no such file\n");

  write_text(t / "analytica.json", R"({"data_dir": "x", "log": {"levle": "info"}})");
  r = run_cli({"--config", (t / "analytica.json").string(), "plugins", "list"});
  CHECK(r.status == 2);
  CHECK(r.err.find((t / "analytica.json").string() + ": log.levle: unknown key (expected one of level, format, file)") !=
        std::string::npos);
}

TEST_CASE("environment and flags override the central configuration", "[config]") {
  TempDir t;
  write_text(t / "analytica.json", R"({"data_dir": ")" + (t / "from-config").string() + R"("})");
  write_text(t / "from-env/inbox/a.csv", "k,v\n1,2\n");
  write_text(t / "from-flag/inbox/a.csv", "k,v\n1,2\n");
  write_text(t / "p.json", kGood);
  const std::string cfg = (t / "analytica.json").string();
  auto r = run_cli({"--config", cfg, "run", (t / "p.json").string()},
                   "ANALYTICA_DATA_DIR=" + (t / "from-env").string());
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(fs::exists(t / "from-env/analytica.db"));
  r = run_cli({"--config", cfg, "--data-dir", (t / "from-flag").string(), "run", (t / "p.json").string()},
              "ANALYTICA_DATA_DIR=" + (t / "from-env").string());
  CHECK(r.status == 0);
  CHECK(fs::exists(t / "from-flag/analytica.db"));
  CHECK_FALSE(fs::exists(t / "from-config"));
}

TEST_CASE("every command has --help and unknown commands fail", "[cli]") {
  for (const char* c : {"run", "plugins", "extract"}) {
    const auto r = run_cli({c, "--help"});
    INFO(c);
    CHECK(r.status == 0);
    CHECK(r.out.find("Usage: analytica " + std::string(c)) != std::string::npos);
  }
  CHECK(run_cli({"--help"}).out.find("Commands:") != std::string::npos);
  const auto v = run_cli({"--version"});
  CHECK(v.status == 0);
  CHECK(v.out.find("plugin ABI 1.") != std::string::npos);
  const auto bad = run_cli({"frobnicate"});
  CHECK(bad.status == 2);
  CHECK(bad.err == "analytica: unknown command 'frobnicate' (see analytica help)\n");
  // A near miss is named; `help` lists the commands or shows one command's options.
  const auto near = run_cli({"lineag"});
  CHECK(near.status == 2);
  CHECK(near.err == "analytica: unknown command 'lineag'; did you mean 'lineage'? (see analytica help)\n");
  const auto help = run_cli({"help"});
  CHECK(help.status == 0);
  CHECK(help.out.find("Commands:") != std::string::npos);
  const auto one = run_cli({"help", "extract"});
  CHECK(one.status == 0);
  CHECK(one.out.find("Usage: analytica extract FILE") != std::string::npos);
  CHECK(one.out.find("--file") == std::string::npos);  // a positional argument is not an option
  CHECK(run_cli({"help", "extrct"}).err.find("did you mean 'extract'?") != std::string::npos);
  // Errors name a missing positional argument as the usage line does, never as its internal option.
  const auto missing = run_cli({"run"});
  CHECK(missing.status == 2);
  CHECK(missing.err.find("missing PIPELINE") != std::string::npos);
  CHECK(missing.err.find("--pipeline") == std::string::npos);
}
