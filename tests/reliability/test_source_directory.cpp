// Issue 14, items 1, 2 and 9, through the real `analytica run`: one bad
// directory entry never stops the run; each is a failed input (ABI 1.2
// analytica_input.error), reported on one line (name, reason) as it happens
// and once more in the run's list of failures, and counted by governance
// (so the run exits 1); names that are not UTF-8 or hold control characters
// are carried as bytes and shown escaped (plugins/source_directory/README.md).
#include "support/support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::string pipeline(bool recursive) {
  return std::string(R"({
  "name": "reliability",
  "sources": [{"plugin": "source_directory",
               "settings": {"path": "${data_dir}/inbox", "pattern": "*.csv", "recursive": )") +
         (recursive ? "true" : "false") + R"(}}],
  "extractors": [{"plugin": "extractor_csv", "settings": {"key": ["id"]}}],
  "sinks": [{"plugin": "sink_sqlite", "settings": {"path": "${database}"}}]
})";
}

CliResult run(const TempDir& t, bool recursive = false, const std::string& prefix = "") {
  write_text(t / "p.json", pipeline(recursive));
  return run_cli({"--data-dir", t.path.string(), "run", (t / "p.json").string()}, prefix);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The stderr lines that mention `part`.
std::vector<std::string> lines_with(const std::string& text, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(text))
    if (contains(l, part)) out.push_back(l);
  return out;
}

// What stderr says of one unusable entry: the line as it happens and the
// line in the run's list of failures.
std::vector<std::string> failed_lines(const std::string& name, const std::string& reason) {
  return {"error " + name + ": skipped: " + reason, "analytica: " + name + ": skipped: " + reason};
}

// Writes t/inbox/<name> for each of `names`: the n-th (from 1) a CSV input of
// one row, id n and v n*10. Returns the inbox.
fs::path inbox_with(const TempDir& t, std::initializer_list<std::string> names) {
  const fs::path in = t / "inbox";
  int n = 0;
  for (const std::string& name : names) {
    ++n;
    write_text(in / name, "id,v\n" + std::to_string(n) + "," + std::to_string(10 * n) + "\n");
  }
  return in;
}

void make_fifo(const fs::path& p) { REQUIRE(mkfifo(p.c_str(), 0644) == 0); }

void make_socket(const fs::path& p) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  REQUIRE(p.string().size() < sizeof a.sun_path);
  std::strcpy(a.sun_path, p.c_str());
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  close(fd);  // the socket file stays
}


}  // namespace

TEST_CASE("a symbolic link loop in the inbox is a failed input, named with its reason, and the run goes on",
          "[reliability][source]") {
  TempDir t;
  inbox_with(t, {"a.csv"});
  fs::create_symlink("loop.csv", t / "inbox/loop.csv");  // ln -s loop.csv inbox/loop.csv
  fs::create_symlink("ping.csv", t / "inbox/pong.csv");
  fs::create_symlink("pong.csv", t / "inbox/ping.csv");
  const auto r = run(t);
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "4 input(s), 1 ingested, 0 unchanged, 3 failed"));
  CHECK(lines_with(r.err, "loop.csv") == failed_lines("loop.csv", "symbolic link loop"));
  CHECK(lines_with(r.err, "ping.csv").size() == 2);
  CHECK(lines_with(r.err, "pong.csv").size() == 2);
  CHECK(sql_rows(t / "analytica.db", "SELECT status, sources_ingested, sources_failed FROM governance_runs") ==
        Rows{"failed|1|3"});
}

TEST_CASE("FIFOs, sockets, links to devices, dangling links and directories named like inputs are each reported",
          "[reliability][source]") {
  TempDir t;
  const fs::path in = inbox_with(t, {"a.csv", "z.csv", "real.txt"});
  fs::create_symlink("real.txt", in / "link_to_file.csv");  // a link to a regular file is an input
  make_fifo(in / "fifo.csv");
  make_socket(in / "sock.csv");
  fs::create_symlink("/dev/zero", in / "zero.csv");
  fs::create_symlink("/dev/null", in / "null.csv");
  fs::create_symlink("fifo.csv", in / "to_fifo.csv");
  fs::create_symlink("missing.csv", in / "dangling.csv");
  fs::create_symlink("/nonexistent/dir/x.csv", in / "dangling_abs.csv");
  fs::create_directory(in / "x.csv");
  write_text(in / "x.csv/inner.csv", "id,v\n9,90\n");  // not read: recursive is off
  fs::create_symlink(".", in / "self.csv");            // a link to a directory
  fs::create_symlink("fifo.csv", in / "ignored.txt");   // not matching the pattern: not a word about it
  const auto r = run(t);
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "12 input(s), 3 ingested, 0 unchanged, 9 failed"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"fifo.csv", "is a FIFO (named pipe), not a regular file"},
      {"sock.csv", "is a socket, not a regular file"},
      {"zero.csv", "symbolic link to a character device, not a regular file"},
      {"null.csv", "symbolic link to a character device, not a regular file"},
      {"to_fifo.csv", "symbolic link to a FIFO (named pipe), not a regular file"},
      {"dangling.csv", "dangling symbolic link (its target does not exist)"},
      {"dangling_abs.csv", "dangling symbolic link (its target does not exist)"},
      {"x.csv", "is a directory, not a regular file (recursive is off)"},
      {"self.csv", "symbolic link to a directory, not a regular file"},
  };
  for (const auto& [name, reason] : expected) {
    INFO(name);
    CHECK(lines_with(r.err, " " + name + ": skipped") == failed_lines(name, reason));
  }
  CHECK(lines_with(r.err, "skipped:").size() == 2 * expected.size());
  CHECK(lines_with(r.err, "ignored.txt").empty());
  CHECK(lines_with(r.err, "inner.csv").empty());
  CHECK(sql_rows(t / "analytica.db", "SELECT name FROM governance_sources ORDER BY name") ==
        Rows{"a.csv", "link_to_file.csv", "z.csv"});
}

TEST_CASE("an unreadable subdirectory with recursive: true is one warning line and the rest is read",
          "[reliability][source]") {
  TempDir t;
  const fs::path in = inbox_with(t, {"a.csv", "open/b.csv", "locked/c.csv", "open/deeper/locked_too/d.csv"});
  fs::create_symlink("..", in / "open/up.csv");  // a link back up: never followed, no loop
  fs::permissions(in / "locked", fs::perms::none);
  fs::permissions(in / "open/deeper/locked_too", fs::perms::none);
  // root reads every directory: run as nobody then, in a directory nobody may write.
  std::string prefix;
  if (geteuid() == 0) {
    if (std::system("command -v setpriv >/dev/null") != 0) {
      WARN("running as root without setpriv: cannot make a directory unreadable; not tested");
      return;
    }
    fs::permissions(t.path, fs::perms::all);
    prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups";
  }
  const auto r = run(t, /*recursive=*/true, prefix);
  fs::permissions(in / "locked", fs::perms::owner_all);
  fs::permissions(in / "open/deeper/locked_too", fs::perms::owner_all);
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "5 input(s), 2 ingested, 0 unchanged, 3 failed"));
  CHECK(lines_with(r.err, "locked/:") == failed_lines("locked/", "cannot read directory: Permission denied"));
  CHECK(lines_with(r.err, "locked_too/:") ==
        failed_lines("open/deeper/locked_too/", "cannot read directory: Permission denied"));
  CHECK(lines_with(r.err, "open/up.csv: skipped: symbolic link to a directory, not a regular file").size() == 2);
  CHECK(sql_rows(t / "analytica.db", "SELECT status, sources_ingested, sources_failed FROM governance_runs") ==
        Rows{"failed|2|3"});
}

TEST_CASE("a name that is not UTF-8 is carried as bytes and shown escaped; the run is recorded", "[reliability][names]") {
  TempDir t;
  const std::string raw = "R\xe9sum\xe9_03_2023.csv";  // Latin-1, as an old system would write it
  inbox_with(t, {raw, "ok.csv"});
  const auto r = run(t);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(contains(r.out, "2 input(s), 2 ingested, 0 unchanged, 0 failed"));
  CHECK(contains(r.err, "R\\xE9sum\\xE9_03_2023.csv: ingested"));
  CHECK(!contains(r.err, raw));
  const fs::path db = t / "analytica.db";
  CHECK(sql_rows(db, "SELECT status, sources_ingested, sources_failed FROM governance_runs") == Rows{"succeeded|2|0"});
  const std::string abs_dir = fs::absolute(t / "inbox").lexically_normal().string();
  CHECK(sql_rows(db, "SELECT name, uri, status FROM governance_sources ORDER BY name") ==
        Rows{"R\\xE9sum\\xE9_03_2023.csv|file://" + abs_dir + "/R%E9sum%E9_03_2023.csv|ingested",
             "ok.csv|file://" + abs_dir + "/ok.csv|ingested"});
  // Every OpenLineage line is valid JSON (UTF-8 only) and names the escaped file.
  const auto lineage = lines_of(read_text(t / "openlineage.jsonl"));
  CHECK(lineage.size() == 2);  // START and COMPLETE
  for (const auto& line : lineage) CHECK_NOTHROW(nlohmann::json::parse(line));
  CHECK(contains(lineage.back(), "R%E9sum%E9_03_2023.csv"));
}

TEST_CASE("a newline in a file name cannot forge a line: names are escaped everywhere they are printed",
          "[reliability][names]") {
  TempDir t;
  const std::string forged = "error forged: all reports lost";
  // The last name holds a literal backslash: escaped too.
  inbox_with(t, {"b\n" + forged + ".csv", "tab\there\x1b[31m.csv", "back\\x0Aslash.csv"});
  make_fifo(t / "inbox" / ("f\n" + forged + " fifo.csv"));
  const auto r = run(t);
  INFO(r.out << r.err);
  CHECK(r.status == 1);  // the FIFO is a failed input
  CHECK(contains(r.out, "4 input(s), 3 ingested, 0 unchanged, 1 failed"));
  for (const auto& l : lines_of(r.err)) {
    INFO(l);
    CHECK(l.rfind("error forged", 0) == std::string::npos);
    CHECK(l.find('\x1b') == std::string::npos);
  }
  CHECK(contains(r.err, "b\\x0Aerror forged: all reports lost.csv: ingested"));
  CHECK(contains(r.err, "f\\x0Aerror forged: all reports lost fifo.csv: skipped: is a FIFO"));
  CHECK(contains(r.err, "tab\\x09here\\x1B[31m.csv: ingested"));
  CHECK(contains(r.err, "back\\\\x0Aslash.csv: ingested"));
  CHECK(sql_rows(t / "analytica.db", "SELECT name FROM governance_sources ORDER BY name") ==
        Rows{"b\\x0Aerror forged: all reports lost.csv", "back\\\\x0Aslash.csv", "tab\\x09here\\x1B[31m.csv"});
}

TEST_CASE("unusable entries are reported in name order, so two runs print the same lines", "[reliability][source]") {
  TempDir t;
  inbox_with(t, {"a.csv"});
  for (const char* n : {"d.csv", "b.csv", "c.csv"}) fs::create_symlink(std::string("missing_") + n, t / "inbox" / n);
  const auto r = run(t);
  INFO(r.err);
  const std::string dangling = "dangling symbolic link (its target does not exist)";
  CHECK(lines_with(r.err, ": skipped: ") ==
        std::vector<std::string>{"error b.csv: skipped: " + dangling, "error c.csv: skipped: " + dangling,
                                 "error d.csv: skipped: " + dangling, "analytica: b.csv: skipped: " + dangling,
                                 "analytica: c.csv: skipped: " + dangling, "analytica: d.csv: skipped: " + dangling});
}
