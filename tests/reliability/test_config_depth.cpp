// Issue 14, item 6: a pipeline nested 50,000 deep is a one-line error naming
// the file and the key path, not a stack overflow of the host.
#include "support/support.h"

#include <catch2/catch.hpp>

namespace {

// {"a":{"a":...VALUE...}} nested `depth` objects deep.
std::string nested_objects(size_t depth, const std::string& value) {
  std::string out;
  out.reserve(depth * 6 + value.size() + depth);
  for (size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += value;
  out.append(depth, '}');
  return out;
}

std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string pipeline_with(const std::string& key, const std::string& value) {
  return R"({
  "name": "deep",
  )" + key + ": " + value + R"(,
  "sources": [{"plugin": "source_directory", "settings": {"path": "${data_dir}", "pattern": "*.none"}}],
  "extractors": [{"plugin": "extractor_csv"}],
  "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}]
})";
}

CliResult run_file(const TempDir& t, const std::string& text) {
  write_text(t / "p.json", text);
  return run_cli({"--data-dir", t.path.string(), "run", (t / "p.json").string()});
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("a pipeline nested 50,000 deep is a one-line error naming file and key path", "[reliability][config]") {
  TempDir t;
  const std::string file = (t / "p.json").string();
  std::string a99;  // the key path where the limit is crossed: 100 levels below the top
  for (int i = 0; i < 99; ++i) a99 += ".a";

  SECTION("objects under $comment") {
    const auto r = run_file(t, pipeline_with("\"$comment\"", nested_objects(50000, "1")));
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err == "analytica: " + file + ": $comment" + a99 + ": nested deeper than 100 levels of arrays and objects\n");
  }
  SECTION("arrays in a plugin's settings") {
    const auto r = run_file(t, R"({"name": "deep",
      "sources": [{"plugin": "source_directory", "settings": {"path": ".", "deep": )" + nested_arrays(50000) + R"(}}],
      "extractors": [{"plugin": "extractor_csv"}], "sinks": [{"plugin": "sink_sqlite"}]})");
    INFO(r.err);
    CHECK(r.status == 2);
    std::string idx;
    for (int i = 0; i < 96; ++i) idx += "[0]";
    CHECK(first_line(r.err) == "analytica: " + file + ": sources[0].settings.deep" + idx +
                                   ": nested deeper than 100 levels of arrays and objects");
  }
  SECTION("a million levels: the parser does not recurse either") {
    const auto r = run_file(t, pipeline_with("\"$comment\"", nested_arrays(1000000)));
    INFO(r.err.substr(0, 300));
    CHECK(r.status == 2);
    CHECK(contains(first_line(r.err), ": nested deeper than 100 levels of arrays and objects"));
  }
}

TEST_CASE("nesting within the limit is still accepted", "[reliability][config]") {
  TempDir t;
  const auto r = run_file(t, pipeline_with("\"$comment\"", nested_objects(90, "\"${data_dir}\"")));
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(contains(r.out, "0 input(s)"));
}
