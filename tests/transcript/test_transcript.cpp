// test_transcript.cpp — what people read from `analytica`, compared with
// golden files (golden/<name>.txt) after masking what differs between
// machines and runs: run ids, times, paths, file hashes. JSON outputs are
// shortened (arrays cut to their first few elements) to keep the golden
// files small; text outputs are compared whole.
//
// The store is built once per process from creb-synth reports with fixed
// content, by the project's own pipeline (config/pipelines/creb.json): two
// months, then another version of the second month under the same name,
// then a run that finds nothing new.
#include "support/support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

namespace {

constexpr size_t kArrayKeep = 4;  // JSON arrays are cut to this many elements

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string exe() { return env_or("ANALYTICA_TRANSCRIPT_EXE", ANALYTICA_EXE); }
std::string plugin_dir() { return env_or("ANALYTICA_TRANSCRIPT_PLUGIN_DIR", PLUGIN_DIR); }

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// The store every transcript reads, and the masks of its run ids and hashes.
struct Corpus {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> masks;  // (text, label), longest first
  std::vector<CliResult> runs;

  // analytica ARGS on this store (or on the data directory `data`).
  CliResult cli(const std::vector<std::string>& args, const fs::path& data = {}) const {
    std::vector<std::string> words = {exe(), "--plugin-dir", plugin_dir(), "--log-file", "", "--log-level", "warn",
                                      "--data-dir", (data.empty() ? dir.path : data).string()};
    words.insert(words.end(), args.begin(), args.end());
    return run_shell(shell_command(words, "ANALYTICA_CONFIG= ANALYTICA_PLUGIN_PATH="));
  }

  fs::path db() const { return dir / "analytica.db"; }
  fs::path report(const std::string& month) const {
    return dir / "inbox" / (month.substr(5, 2) + "_" + month.substr(0, 4) + "_Calgary_Monthly_Stats_Package.pdf");
  }

  Corpus() {
    const std::string pipeline = std::string(SOURCE_DIR) + "/config/pipelines/creb.json";
    synth_reports(dir / "inbox", {"2024-02", "2024-03"});
    runs.push_back(cli({"run", pipeline}));
    synth_reports(dir / "inbox", {"2024-03"}, {"--seed", "7"});  // a new version of March, same name
    runs.push_back(cli({"run", pipeline}));
    runs.push_back(cli({"run", pipeline}));  // nothing new
    int n = 0;
    for (const auto& id : sql_rows(db(), "SELECT run_id FROM governance_runs ORDER BY started_at"))
      masks.emplace_back(id, "<run-" + std::to_string(++n) + ">");
    for (const auto& row : sql_rows(db(), "SELECT sha256 || '|' || name || '|' || version FROM governance_sources "
                                          "ORDER BY name, version")) {
      const auto a = row.find('|'), b = row.rfind('|');
      const std::string sha = row.substr(0, a), label = row.substr(a + 1, 7) + ".v" + row.substr(b + 1);
      masks.emplace_back(sha, "<sha:" + label + ">");
      masks.emplace_back(sha.substr(0, 12), "<sha12:" + label + ">");
    }
    std::error_code ec;
    const std::string canonical = fs::canonical(dir.path, ec).string();
    masks.emplace_back(dir.path.string(), "<data>");
    if (!ec && canonical != dir.path.string()) masks.emplace_back(canonical, "<data>");
    masks.emplace_back(SOURCE_DIR, "<src>");
    masks.emplace_back(plugin_dir(), "<plugins>");
    std::stable_sort(masks.begin(), masks.end(),
                     [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  }

  std::string mask(std::string s) const {
    for (const auto& [from, to] : masks) replace_all(s, from, to);
    static const std::regex sha(R"([0-9a-f]{64})");
    static const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d))");
    s = std::regex_replace(s, sha, "<sha256>");
    s = std::regex_replace(s, uuid, "<uuid>");
    return std::regex_replace(s, time, "<time>");
  }
};

const Corpus& corpus() {
  static std::unique_ptr<Corpus> c;
  if (!c) c = std::make_unique<Corpus>();
  return *c;
}

void shorten(ordered_json& j) {
  if (j.is_array()) {
    const size_t n = j.size();
    if (n > kArrayKeep) {
      j.erase(j.begin() + kArrayKeep, j.end());
      j.push_back("... " + std::to_string(n - kArrayKeep) + " more");
    }
  }
  if (j.is_structured())
    for (auto& e : j) shorten(e);
}

// The transcript of one command: the command line, its exit status, its
// stdout (JSON shortened) and stderr, masked.
std::string transcript(const std::vector<std::string>& args, const CliResult& r) {
  const Corpus& c = corpus();
  std::string out = r.out;
  if (!out.empty() && out[0] == '{') {
    ordered_json j = ordered_json::parse(out, nullptr, false);
    if (!j.is_discarded()) {
      shorten(j);
      out = j.dump(2) + "\n";
    }
  }
  std::string cmd = "$ analytica";
  for (const auto& a : args) cmd += " " + a;
  return c.mask(cmd + "\nstatus " + std::to_string(r.status) + "\n--- stdout\n" + out + "--- stderr\n" + r.err);
}

// Compares with golden/<name>.txt (or rewrites it when asked to).
void check_golden(const std::string& name, const std::string& text) {
  const fs::path file = fs::path(GOLDEN_DIR) / (name + ".txt");
  if (env_or("ANALYTICA_TRANSCRIPT_UPDATE", "") == "1") {
    write_text(file, text);
    WARN("rewrote " << file.string());
    return;
  }
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) FAIL("no golden file " << file.string() << " (ANALYTICA_TRANSCRIPT_UPDATE=1 writes it)");
  const std::string golden = read_text(file);
  if (golden != text) {
    // Name the first line that differs, then show both.
    std::istringstream a(golden), b(text);
    std::string la, lb;
    int line = 0;
    while (true) {
      ++line;
      const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
      if (!ga && !gb) break;
      if (!ga || !gb || la != lb) {
        INFO(name << ": line " << line << "\n  golden: " << (ga ? la : "<end>") << "\n  now:    " << (gb ? lb : "<end>"));
        INFO("now:\n" << text);
        CHECK(golden == text);
        return;
      }
    }
  }
  CHECK(golden == text);
}

void check_command(const std::string& name, const std::vector<std::string>& args) {
  check_golden(name, transcript(args, corpus().cli(args)));
}

}  // namespace

TEST_CASE("transcript: the runs that built the store", "[transcript]") {
  const Corpus& c = corpus();
  REQUIRE(c.runs.size() == 3);
  std::string text;
  for (size_t i = 0; i < c.runs.size(); ++i)
    text += c.mask("run " + std::to_string(i + 1) + ": status " + std::to_string(c.runs[i].status) + "\n" + c.runs[i].out);
  check_golden("run", text);
}

TEST_CASE("transcript: a run on an empty inbox warns", "[transcript]") {
  const Corpus& c = corpus();
  TempDir empty;
  fs::create_directories(empty / "inbox");
  const std::vector<std::string> args = {"run", std::string(SOURCE_DIR) + "/config/pipelines/creb.json"};
  std::string text = transcript(args, c.cli(args, empty.path));
  replace_all(text, empty.path.string(), "<empty>");
  check_golden("run-empty-inbox", text);
}

TEST_CASE("transcript: runs", "[transcript]") {
  check_command("runs", {"runs"});
  check_command("runs-json", {"runs", "--json", "--limit", "2"});
  check_command("runs-limit", {"runs", "--limit", "2"});  // a cut list says "showing N of M"
}

TEST_CASE("transcript: sources", "[transcript]") {
  check_command("sources", {"sources"});
  check_command("sources-json", {"sources", "--json"});
}

TEST_CASE("transcript: lineage", "[transcript]") {
  check_command("lineage", {"lineage", "housing_city_monthly", "month=2024-03", "property_type=Total"});
  check_command("lineage-json", {"lineage", "housing_city_monthly", "month=2024-02", "property_type=Detached", "--json"});
}

TEST_CASE("transcript: impact", "[transcript]") {
  const std::string march = corpus().report("2024-03").string();
  check_command("impact", {"impact", march, "--summary"});
  check_command("impact-json", {"impact", march, "--json"});
}

TEST_CASE("transcript: db check", "[transcript]") {
  check_command("db-check", {"db", "check"});
  check_command("db-check-json", {"db", "check", "--json"});
}

TEST_CASE("transcript: extract as CSV, one file per table", "[transcript]") {
  const Corpus& c = corpus();
  const std::string feb = c.report("2024-02").string();
  check_command("extract-csv-several", {"extract", feb, "--extractor", "extractor_creb", "--format", "csv"});
  const std::vector<std::string> args = {"extract", feb, "--extractor", "extractor_creb", "--format", "csv",
                                         "--provenance", "--out", (c.dir / "csv").string()};
  std::string text = transcript(args, c.cli(args));
  text += "--- document.csv\n" + c.mask(read_text(c.dir / "csv" / "document.csv"));
  check_golden("extract-csv-out", text);
}

TEST_CASE("transcript: help", "[transcript]") {
  check_command("help-lineage", {"help", "lineage"});
  check_command("help-near-miss", {"help", "linage"});
}

TEST_CASE("transcript: errors people see", "[transcript]") {
  check_command("error-unknown-command", {"runz"});
  check_command("error-lineage-no-table", {"lineage"});
  check_command("error-run-no-pipeline", {"run"});
  check_command("error-lineage-unknown-table", {"lineage", "no_such_table", "id=1"});
  check_command("error-db-action", {"db", "fix"});
  check_command("error-impact-unknown", {"impact", "/no/such/file.pdf"});
}
