// The monitor plugins in real runs: monitor_metrics' files, monitor_notify's
// command on failure, monitor_progress on a terminal and off it, and a
// user's own monitor loaded from a directory of its own.
#include "support.h"

#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

using namespace montest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json monitor(const std::string& plugin, const json& settings) {
  return {{"plugin", plugin}, {"settings", settings}};
}

// Runs analytica with stdin/stdout/stderr on a pseudo-terminal; returns
// everything it printed.
std::string run_on_terminal(const fs::path& data, const fs::path& pipeline) {
  int master = -1;
  winsize ws{};
  ws.ws_col = 120;
  ws.ws_row = 40;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string d = data.string(), p = pipeline.string();
    execl(ANALYTICA_EXE, ANALYTICA_EXE, "--data-dir", d.c_str(), "--plugin-dir", PLUGIN_DIR, "--log-file", "",
          "--log-level", "warn", "run", p.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pf{master, POLLIN, 0};
    if (poll(&pf, 1, 100) <= 0) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;
      continue;
    }
    char buf[4096];
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child is gone
    out.append(buf, static_cast<size_t>(n));
  }
  close(master);
  waitpid(pid, nullptr, 0);
  return out;
}

}  // namespace

TEST_CASE("monitor_metrics keeps counters and live progress on disk", "[monitors]") {
  DataDir d;
  d.add_reports({"2024-11", "2024-12"});
  REQUIRE(d.run().status == 0);
  const json state = json::parse(read_text(d.data / "metrics" / "state.json"));
  CHECK(state["format"] == "analytica.metrics/1");
  const json p = state["pipelines"]["creb"];
  CHECK(p["events_total"]["source_done"] == 2);
  const auto records = sql_rows(d.database, "SELECT records FROM governance_runs");
  CHECK(std::to_string(p["current"]["records"].get<long long>()) == records[0]);
  CHECK(p["current"]["running"] == false);
  CHECK(p["current"]["status"] == "succeeded");
  CHECK(p["current"]["sources_done"] == 2);
  // Counts of committed things are /metrics' (from the store), never a
  // monitor's: a killed run's missing events would make them drift.
  for (const char* committed : {"runs_total", "sources_total", "records_written_total", "run_duration_seconds"})
    CHECK(!p.contains(committed));

  // A second run: both unchanged; event counters add up across runs.
  REQUIRE(d.run().status == 0);
  const json again = json::parse(read_text(d.data / "metrics" / "state.json"))["pipelines"]["creb"];
  CHECK(again["events_total"]["source_skipped"] == 2);
  CHECK(again["events_total"]["run_start"] == 2);
  const std::string prom = read_text(d.data / "metrics" / "analytica.prom");
  CHECK(prom.find("# TYPE analytica_monitor_events_total counter") != std::string::npos);
  CHECK(prom.find("analytica_monitor_events_total{pipeline=\"creb\",kind=\"run_end\"} 2") != std::string::npos);
  CHECK(prom.find("analytica_monitor_runs_total") == std::string::npos);
  // No temporary files left behind.
  for (const auto& e : fs::directory_iterator(d.data / "metrics"))
    CHECK(e.path().extension() != ".tmp");
}

TEST_CASE("monitor_notify runs its command on failure with the run's details", "[monitors]") {
  DataDir d;
  d.add_reports({"2024-12"});
  const fs::path env_file = d.data / "notify.env", json_file = d.data / "notify.json";
  d.write_pipeline(json::array(
      {monitor("monitor_notify", {{"command", "env | grep '^ANALYTICA_' | sort > " + shell_quote(env_file.string()) +
                                                  "; cat > " + shell_quote(json_file.string())}})}));
  // A good run: not notified (default: failures only).
  REQUIRE(d.run().status == 0);
  CHECK(!fs::exists(env_file));

  std::ofstream(d.inbox / "broken.pdf") << "%PDF-1.4 this is no report";
  const CliResult r = d.run();
  CHECK(r.status == 1);
  REQUIRE(fs::exists(env_file));
  const std::string env = read_text(env_file);
  INFO(env);
  CHECK(env.find("ANALYTICA_RUN_STATUS=failed\n") != std::string::npos);
  CHECK(env.find("ANALYTICA_PIPELINE=creb\n") != std::string::npos);
  CHECK(env.find("ANALYTICA_SOURCES_FAILED=1\n") != std::string::npos);
  CHECK(env.find("ANALYTICA_SOURCES_SKIPPED=1\n") != std::string::npos);
  CHECK(env.find("ANALYTICA_FAILURES=broken.pdf: ") != std::string::npos);
  const auto run_id = sql_rows(d.database, "SELECT run_id FROM governance_runs WHERE status = 'failed'");
  REQUIRE(run_id.size() == 1);
  CHECK(env.find("ANALYTICA_RUN_ID=" + run_id[0] + "\n") != std::string::npos);
  // The same details as JSON on stdin, for webhooks (curl -d @-).
  const json payload = json::parse(read_text(json_file));
  CHECK(payload["status"] == "failed");
  CHECK(payload["run_id"] == run_id[0]);
  CHECK(payload["sources"]["failed"] == 1);
  REQUIRE(payload["failures"].size() == 1);
  CHECK(payload["failures"][0].get<std::string>().rfind("broken.pdf: ", 0) == 0);
}

TEST_CASE("monitor_notify: a failing or hanging command never fails or blocks the run", "[monitors]") {
  DataDir d;
  d.add_reports({"2024-12"});
  d.write_pipeline(json::array({monitor("monitor_notify", {{"command", "echo hook down >&2; exit 3"},
                                                           {"on", {"succeeded"}}})}));
  CliResult r = d.run();
  CHECK(r.status == 0);
  CHECK(r.err.find("exited with status 3: hook down") != std::string::npos);

  fs::remove(d.database);
  d.write_pipeline(json::array({monitor("monitor_notify", {{"command", "sleep 20"}, {"on", {"succeeded"}},
                                                           {"timeout_seconds", 1}})}));
  const auto start = std::chrono::steady_clock::now();
  r = d.run();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(8));
  CHECK(r.status == 0);
  CHECK(r.err.find("killed after 1 s") != std::string::npos);

  d.write_pipeline(json::array({monitor("monitor_notify", {{"command", "true"}, {"on", {"sometimes"}}})}));
  r = d.run();
  CHECK(r.status != 0);
  CHECK(r.err.find("sometimes") != std::string::npos);
}

TEST_CASE("monitor_progress: quiet off a terminal, a redrawn bar on one", "[monitors]") {
  DataDir d;
  d.add_reports({"2024-10", "2024-11", "2024-12"});
  d.write_pipeline(json::array({monitor("monitor_progress", json::object())}));
  CliResult r = analytica(d.data, {"--log-level", "warn", "run", d.pipeline.string()});
  CHECK(r.status == 0);
  CHECK(r.err.empty());  // stderr is a file here: nothing drawn

  // mode always: one plain line per source off a terminal.
  fs::remove(d.database);
  d.write_pipeline(json::array({monitor("monitor_progress", {{"mode", "always"}})}));
  r = analytica(d.data, {"--log-level", "warn", "run", d.pipeline.string()});
  CHECK(r.status == 0);
  CHECK(r.err.find("creb [1] 10_2024_Calgary_Monthly_Stats_Package.pdf: ingested") != std::string::npos);
  CHECK(r.err.find("creb [3] 12_2024_Calgary_Monthly_Stats_Package.pdf: ingested") != std::string::npos);
  CHECK(r.err.find("creb: 3 sources · 3 ingested") != std::string::npos);
  CHECK(r.err.find('\r') == std::string::npos);

  // On a terminal: the line is redrawn in place, then a summary.
  fs::remove(d.database);
  d.write_pipeline(json::array({monitor("monitor_progress", json::object())}));
  const std::string tty = run_on_terminal(d.data, d.pipeline);
  INFO(tty);
  CHECK(tty.find("\r\033[K") != std::string::npos);
  CHECK(tty.find("█") != std::string::npos);
  CHECK(tty.find(" records") != std::string::npos);
  CHECK(tty.find("creb: 3 sources · 3 ingested") != std::string::npos);

  d.write_pipeline(json::array({monitor("monitor_progress", {{"width", 1}})}));
  r = d.run();
  CHECK(r.status != 0);
  CHECK(r.err.find("width") != std::string::npos);
}

TEST_CASE("a user's own monitor plugs in without touching the host", "[monitors]") {
  DataDir d;
  d.add_reports({"2024-12"});
  const fs::path log = d.data / "events.log";
  d.write_pipeline(json::array({monitor("event_log_monitor", {{"file", log.string()}})}));
  const CliResult r = analytica(d.data, {"run", d.pipeline.string()}, "ANALYTICA_PLUGIN_PATH=" + shell_quote(USER_PLUGIN_DIR));
  INFO(r.err);
  CHECK(r.status == 0);
  const std::string events = read_text(log);
  CHECK(events.find("run_start pipeline=creb") == 0);
  CHECK(events.find("source_done pipeline=creb source=12_2024_Calgary_Monthly_Stats_Package.pdf") != std::string::npos);
  CHECK(events.find("run_end pipeline=creb source= records=") != std::string::npos);
  // plugins inspect lists it with its setting.
  const CliResult list = analytica(d.data, {"plugins", "list"}, "ANALYTICA_PLUGIN_PATH=" + shell_quote(USER_PLUGIN_DIR));
  CHECK(list.out.find("event_log_monitor") != std::string::npos);
}
