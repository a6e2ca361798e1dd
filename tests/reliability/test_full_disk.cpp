// A disk that fills during a run (issue 14 item 8), reproduced without root
// with a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored: writes past it fail
// with EFBIG, short first): openlineage.jsonl never holds a torn line, the
// run fails with its reason, and nothing half-written reaches the store.
#include "reliability_support.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace reltest;

namespace {

// Every line of the file is a whole JSON object; returns how many.
size_t whole_lines(const fs::path& file) {
  const std::string text = read_text(file);
  CHECK((text.empty() || text.back() == '\n'));
  size_t n = 0, at = 0;
  std::string bad;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (bad.empty() && !json::parse(line, nullptr, false).is_object()) bad = line.substr(0, 200);
    ++n;
    at = end == std::string::npos ? text.size() : end + 1;
  }
  CHECK(bad == "");
  return n;
}

}  // namespace

TEST_CASE("a full disk while appending an OpenLineage event leaves no torn line and no half run", "[full_disk]") {
  StallDir d;
  write_text(d.inbox / "a.st", "1,1\n2,2\n");
  REQUIRE(d.run().status == 0);
  const fs::path events = d.data / "openlineage.jsonl";
  REQUIRE(whole_lines(events) == 2);  // START, COMPLETE

  // Pad the events file with whole lines to just under the limit, so the
  // next event can only be written in part.
  const uint64_t limit = 4 * 1024 * 1024;
  REQUIRE(fs::file_size(d.database) < limit / 2);
  {
    std::ofstream out(events, std::ios::app | std::ios::binary);
    const std::string pad = "{\"pad\":\"" + std::string(1000, 'x') + "\"}\n";
    while (fs::file_size(events) + pad.size() < limit - 64) {
      out << pad;
      out.flush();
    }
    // Exactly 50 bytes of room: less than any event (a START is hundreds).
    const size_t last = static_cast<size_t>(limit - 50 - fs::file_size(events));
    out << "{\"pad\":\"" << std::string(last - 11, 'y') << "\"}\n";
  }
  REQUIRE(fs::file_size(events) == limit - 50);
  const uintmax_t size_before = fs::file_size(events);
  const size_t lines_before = whole_lines(events);
  const std::string runs_before = sql_value(d.database, "SELECT count(*) FROM governance_runs");

  write_text(d.inbox / "b.st", "3,3\n");
  const CliResult r = d.run_with_file_limit(limit);
  INFO(r.err);
  CHECK(r.status == 1);  // failed, not killed by SIGXFSZ
  // One line to the user, naming the file and the reason.
  CHECK(r.err.find("analytica: ") != std::string::npos);
  CHECK(r.err.find(events.string() + ": cannot append an OpenLineage event: ") != std::string::npos);
  // The partial event was taken back: the file is as it was, whole lines only.
  CHECK(fs::file_size(events) == size_before);
  CHECK(whole_lines(events) == lines_before);
  // Nothing of the refused run reached the store.
  CHECK(sql_value(d.database, "SELECT count(*) FROM governance_runs") == runs_before);
  CHECK(sql_value(d.database, "SELECT count(*) FROM st_items") == "2");
  CHECK(sql_value(d.database, "PRAGMA integrity_check") == "ok");

  // With room again the next run appends whole lines after the old ones.
  REQUIRE(d.run().status == 0);
  CHECK(whole_lines(events) == lines_before + 2);
  CHECK(sql_value(d.database, "SELECT count(*) FROM st_items") == "3");
}

TEST_CASE("a torn last line an interrupted writer left is cut off before the next event", "[full_disk]") {
  StallDir d;
  write_text(d.inbox / "a.st", "1,1\n");
  REQUIRE(d.run().status == 0);
  const fs::path events = d.data / "openlineage.jsonl";
  {
    std::ofstream out(events, std::ios::app | std::ios::binary);
    out << "{\"eventType\":\"COMPLETE\",\"run\":{\"ru";  // a writer killed mid-line
  }
  write_text(d.inbox / "b.st", "2,2\n");
  const CliResult r = d.run();
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.find("cut off a torn last line") != std::string::npos);
  CHECK(whole_lines(events) == 4);
}

TEST_CASE("a full disk while writing the store fails the run cleanly", "[full_disk]") {
  StallDir d;
  write_text(d.inbox / "a.st", "1,1\n");
  REQUIRE(d.run().status == 0);
  // An input far larger than the room left for the database.
  std::string big;
  for (int i = 100; i < 60100; ++i) big += std::to_string(i) + "," + std::to_string(i * 7) + "\n";
  write_text(d.inbox / "b.st", big);
  const uint64_t limit = fs::file_size(d.database) + 256 * 1024;
  const CliResult r = d.run_with_file_limit(limit);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err.find("b.st") != std::string::npos);
  // The big input left nothing: no rows, no lineage, no quality row.
  CHECK(sql_value(d.database, "SELECT count(*) FROM st_items") == "1");
  CHECK(sql_value(d.database, "SELECT count(*) FROM governance_lineage_records") == "1");
  CHECK(sql_value(d.database, "SELECT count(*) FROM governance_quality WHERE scope = 'source'") == "1");
  CHECK(sql_value(d.database, "PRAGMA integrity_check") == "ok");
  CHECK(whole_lines(d.data / "openlineage.jsonl") >= 2);
  // No run is left counted as running by a reader.
  const json status = json::parse(d.analytica({"status", "--json"}).out);
  for (const auto& run : status["runs"]) CHECK(!run.contains("in_progress"));
}
