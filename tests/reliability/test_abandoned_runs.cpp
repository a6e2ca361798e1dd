// Runs that end without saying so (issue 14 item 4): runs SIGKILLed mid-way
// through the real `analytica run`, then what the store, `analytica status`,
// `analytica serve` (/metrics, /api/overview) and the next run make of them.
// A killed run's row holds its host, pid and last heartbeat; readers show it
// abandoned without writing; the next run on this host closes it; /metrics
// counts what the store committed, not what a monitor counted.
#include "reliability_support.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

using nlohmann::json;
using namespace reltest;

namespace {

// Starts a run whose third input stalls, waits until it stalls (its first
// two inputs committed) and kills it with SIGKILL.
void killed_run(const StallDir& d, int n) {
  const std::string p = "r" + std::to_string(n);
  write_text(d.inbox / (p + "_a.st"), std::to_string(10 * n + 1) + ",1\n" + std::to_string(10 * n + 2) + ",2\n");
  write_text(d.inbox / (p + "_b.st"), std::to_string(10 * n + 3) + ",3\n");
  write_text(d.inbox / (p + "_stall.st"), "0,0\n");
  const pid_t pid = d.start_run();
  const bool reached = wait_for_file(d.inbox / (p + "_stall.st.reached"), 20);
  kill_and_reap(pid);
  REQUIRE(reached);
  std::filesystem::remove(d.inbox / (p + "_stall.st"));
  std::filesystem::remove(d.inbox / (p + "_stall.st.reached"));
}

}  // namespace

TEST_CASE("killed runs read as abandoned with their last-seen time; /metrics counts committed rows", "[abandoned]") {
  StallDir d;
  for (int n = 0; n < 3; ++n) killed_run(d, n);

  // The store: each killed run's row has its process and heartbeat, and the
  // counts it committed. The next run closed the one before it (same host,
  // process gone); the last one is still `running` in the store.
  CHECK(sql_rows(d.database,
                 "SELECT status, sources_ingested, sources_skipped, records FROM governance_runs "
                 "ORDER BY started_at") == Rows{"abandoned|2|0|3", "abandoned|2|2|3", "running|2|4|3"});
  CHECK(sql_value(d.database,
                  "SELECT count(*) FROM governance_runs WHERE host IS NULL OR pid IS NULL OR "
                  "heartbeat_at IS NULL OR heartbeat_at < started_at") == "0");
  CHECK(sql_value(d.database,
                  "SELECT count(*) FROM governance_runs WHERE status = 'abandoned' AND "
                  "(ended_at IS NULL OR ended_at <> heartbeat_at OR message NOT LIKE 'abandoned: %')") == "0");
  const std::string last_seen =
      sql_value(d.database, "SELECT heartbeat_at FROM governance_runs WHERE status = 'running'");

  // `analytica status` (a reader) shows the last one abandoned, writes nothing.
  const CliResult status = d.analytica({"status", "--json"});
  INFO(status.out << status.err);
  const json health = json::parse(status.out);
  REQUIRE(health["runs"].size() == 1);
  const json run = health["runs"][0];
  CHECK(run["status"] == "abandoned");
  CHECK(run["last_seen"] == last_seen);
  CHECK(run["ended_at"] == last_seen);
  CHECK(!run.contains("in_progress"));
  CHECK(sql_value(d.database, "SELECT count(*) FROM governance_runs WHERE status = 'running'") == "1");

  {
    montest::Server server(d.data);
    const montest::HttpReply metrics = montest::http(server.port(), "/metrics");
    REQUIRE(metrics.status == 200);
    INFO(metrics.body);
    auto sample = [&](const std::string& series) { return metric_value(metrics.body, series); };
    CHECK(sample("analytica_runs_total{pipeline=\"st\",status=\"running\"}") == "0");
    CHECK(sample("analytica_runs_total{pipeline=\"st\",status=\"abandoned\"}") == "3");
    // Records and inputs as committed: the rows in the data table, the
    // sources the registry holds as ingested.
    CHECK(sample("analytica_records_written_total{pipeline=\"st\"}") ==
          sql_value(d.database, "SELECT count(*) FROM st_items"));
    CHECK(sql_value(d.database, "SELECT count(*) FROM st_items") == "9");
    CHECK(sql_value(d.database, "SELECT sum(records) FROM governance_quality WHERE scope = 'source'") == "9");
    CHECK(sample("analytica_sources_total{pipeline=\"st\",outcome=\"ingested\"}") ==
          sql_value(d.database, "SELECT count(*) FROM governance_sources WHERE status = 'ingested'"));
    CHECK(sample("analytica_sources_total{pipeline=\"st\",outcome=\"unchanged\"}") == "6");
    // monitor_metrics publishes no counts of committed things any more.
    CHECK(metrics.body.find("analytica_monitor_runs_total") == std::string::npos);
    CHECK(metrics.body.find("analytica_monitor_records_written_total") == std::string::npos);
    CHECK(metrics.body.find("analytica_monitor_sources_total") == std::string::npos);
    CHECK(sample("analytica_monitor_events_total{pipeline=\"st\",kind=\"run_start\"}") == "3");

    json overview = json::parse(montest::http(server.port(), "/api/overview").body);
    REQUIRE(overview["runs"].size() == 3);
    for (const auto& r : overview["runs"]) {
      CHECK(r["status"] == "abandoned");
      CHECK(r["ended_at"].is_string());
    }
    CHECK(overview["runs"][0]["ended_at"] == last_seen);
    CHECK(overview["runs"][0]["last_seen"] == last_seen);
    CHECK(overview["in_progress"].empty());  // monitor_metrics' run in flight was killed
  }

  // The next run (it finishes) closes the last killed one in the store.
  const CliResult next = d.run();
  INFO(next.err);
  CHECK(next.status == 0);
  CHECK(sql_rows(d.database, "SELECT status FROM governance_runs ORDER BY started_at") ==
        Rows{"abandoned", "abandoned", "abandoned", "succeeded"});
  CHECK(sql_value(d.database, "SELECT ended_at FROM governance_runs WHERE heartbeat_at = '" + last_seen + "'") ==
        last_seen);
  // OpenLineage: each killed run's START is followed by an ABORT, dated when
  // it was last seen, from the run that closed it.
  Rows aborted;
  const std::string events = read_text(d.data / "openlineage.jsonl");
  for (size_t at = 0, end; (end = events.find('\n', at)) != std::string::npos; at = end + 1) {
    const json e = json::parse(events.substr(at, end - at));
    if (e["eventType"] == "ABORT")
      aborted.push_back(e["run"]["runId"].get<std::string>() + "|" + e["eventTime"].get<std::string>() + "|" +
                        e["job"]["name"].get<std::string>());
  }
  CHECK(aborted == sql_rows(d.database,
                            "SELECT run_id, ended_at, pipeline FROM governance_runs "
                            "WHERE status = 'abandoned' ORDER BY started_at"));
}

TEST_CASE("a running run of another host reads as running until it is stale, then abandoned", "[abandoned]") {
  StallDir d;
  write_text(d.inbox / "a.st", "1,1\n");
  REQUIRE(d.run().status == 0);
  // Runs other machines are doing: one seen 2 minutes ago, one 10 hours ago.
  sql_exec(d.database,
           "INSERT INTO governance_runs (run_id, pipeline, config_sha256, plugins, started_at, status, "
           "sources_ingested, sources_skipped, sources_failed, records, host, pid, process_start, heartbeat_at) "
           "VALUES ('other-fresh', 'far', '', '[]', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes'), 'running', "
           "0, 0, 0, 0, 'another-host.example', 1, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 minutes')), "
           "('other-stale', 'other', '', '[]', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-11 hours'), 'running', "
           "0, 0, 0, 0, 'another-host.example', 1, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 hours'))");
  auto by_pipeline = [&](const std::string& env) {
    const CliResult r = d.analytica({"status", "--json"}, env);
    INFO(r.out << r.err);
    const json report = json::parse(r.out);
    json out = json::object();
    for (const auto& run : report["runs"]) out[run["pipeline"].get<std::string>()] = run;
    return out;
  };
  json runs = by_pipeline("");
  CHECK(runs["st"]["status"] == "succeeded");
  CHECK(runs["far"]["in_progress"]["run_id"] == "other-fresh");
  CHECK(runs["far"]["in_progress"]["status"] == "running");
  CHECK(runs["other"]["status"] == "abandoned");
  CHECK(runs["other"]["ended_at"] == runs["other"]["last_seen"]);
  // The staleness is the reader's to set.
  json strict = by_pipeline("ANALYTICA_RUN_STALE_SECONDS=60");
  CHECK(strict["far"]["status"] == "abandoned");
  CHECK(!strict["far"].contains("in_progress"));
  // A writer on this host leaves another host's runs alone.
  write_text(d.inbox / "b.st", "2,2\n");
  REQUIRE(d.run().status == 0);
  CHECK(sql_rows(d.database, "SELECT status FROM governance_runs WHERE run_id LIKE 'other-%' ORDER BY run_id") ==
        Rows{"running", "running"});
}

TEST_CASE("a store of a previous version keeps working and gains the run columns at the next run", "[abandoned]") {
  StallDir d;
  write_text(d.inbox / "a.st", "1,1\n");
  REQUIRE(d.run().status == 0);
  // The runs table as store version 3 wrote it, with a run killed an hour
  // ago and one killed 10 hours ago (no host, pid or heartbeat recorded).
  sql_exec(
      d.database,
      "ALTER TABLE governance_runs DROP COLUMN host; ALTER TABLE governance_runs DROP COLUMN pid; "
      "ALTER TABLE governance_runs DROP COLUMN process_start; "
      "ALTER TABLE governance_runs DROP COLUMN heartbeat_at; "
      "INSERT INTO governance_runs (run_id, pipeline, config_sha256, plugins, started_at, status, "
      "sources_ingested, sources_skipped, sources_failed, records) VALUES "
      "('old-recent', 'old1', '', '[]', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours'), 'running', 0, 0, 0, 0), "
      "('old-stale', 'old2', '', '[]', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 hours'), 'running', 0, 0, 0, 0)");
  const CliResult runs = d.analytica({"runs", "--json"});
  INFO(runs.err);
  REQUIRE(runs.status == 0);
  const CliResult status = d.analytica({"status", "--json"});
  INFO(status.out << status.err);
  const json report = json::parse(status.out);
  json by_pipeline = json::object();
  for (const auto& r : report["runs"]) by_pipeline[r["pipeline"].get<std::string>()] = r;
  CHECK(by_pipeline["old1"]["in_progress"]["status"] == "running");
  CHECK(by_pipeline["old2"]["status"] == "abandoned");
  CHECK(by_pipeline["old2"]["last_seen"] == by_pipeline["old2"]["started_at"]);

  // The next run adds the columns (an additive change) and leaves the rows
  // it cannot judge (no host) to the readers.
  write_text(d.inbox / "b.st", "2,2\n");
  REQUIRE(d.run().status == 0);
  CHECK(sql_rows(d.database,
                 "SELECT status, host IS NULL FROM governance_runs WHERE run_id LIKE 'old-%' ORDER BY run_id") ==
        Rows{"running|1", "running|1"});
  CHECK(sql_value(d.database,
                  "SELECT count(*) FROM governance_runs WHERE host IS NOT NULL AND heartbeat_at IS NOT NULL") == "1");
}
