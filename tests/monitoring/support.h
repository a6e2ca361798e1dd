// Helpers of the monitoring tests: a data directory with synthetic CREB
// reports ingested by the real `analytica run`, the real `analytica serve`
// in a child process, and HTTP over a raw socket. Temporary directories,
// files, shell commands and SQLite reads are tests/support/support.h's.
#ifndef ANALYTICA_TESTS_MONITORING_SUPPORT_H
#define ANALYTICA_TESTS_MONITORING_SUPPORT_H

#include "support/support.h"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace montest {

// Runs `analytica --data-dir DATA --plugin-dir PLUGIN_DIR --log-file '' ARGS...`
// with `env` (e.g. "TZ=UTC") prepended; captures stdout and stderr.
CliResult analytica(const std::filesystem::path& data_dir, const std::vector<std::string>& args,
                    const std::string& env = "");

// Waits up to `timeout` for the child to exit, then kills it (SIGKILL) and
// reaps it; returns its wait status.
int wait_or_kill(pid_t pid, std::chrono::milliseconds timeout);

// Width and height of a PNG image (from its IHDR chunk); {0, 0} if not a PNG.
std::pair<int, int> png_size(const std::string& bytes);

// The month whose report is due by `today` ("YYYY-MM-DD"; "" = the current
// UTC date) with 7 grace days, as `analytica status` judges it.
std::string expected_month(const std::string& today = "");
// "YYYY-MM" shifted by n months.
std::string add_months(const std::string& month, int n);
// The current UTC date, "YYYY-MM-DD".
std::string today_utc();

// A data directory (DATA/inbox with reports, DATA/analytica.db) and a
// pipeline file with monitor_metrics writing to DATA/metrics.
struct DataDir {
  TempDir tmp;
  std::filesystem::path data, inbox, pipeline, database;
  std::vector<std::string> months;  // report months written
  DataDir();
  // Writes creb-synth reports for the months (seed 1) into the inbox.
  void add_reports(const std::vector<std::string>& report_months);
  // Writes the pipeline file; `monitors` is the JSON array of monitors.
  void write_pipeline(const nlohmann::json& monitors);
  // `analytica run PIPELINE`; REQUIREs nothing, returns the result.
  CliResult run();
  std::filesystem::path report_path(const std::string& month) const;
};

// `analytica serve --port 0 ...` as a child process.
class Server {
 public:
  Server(const std::filesystem::path& data_dir, const std::vector<std::string>& extra_args = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Sends SIGTERM and returns the exit status (-1 if killed by a signal).
  int stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path log_;
};

// A GET (or other method) over a raw socket, so malformed requests can be
// sent too. Returns the status code, or -1 if the connection failed.
struct HttpReply {
  int status = -1;
  std::string headers, body;
  std::string header(const std::string& name) const;  // case-insensitive; "" if absent
};
HttpReply http(int port, const std::string& target, const std::string& method = "GET");
// A TCP connection to 127.0.0.1:port (the caller closes it), or -1.
int connect_to(int port);
HttpReply http_raw(int port, const std::string& request);

}  // namespace montest

#endif  // ANALYTICA_TESTS_MONITORING_SUPPORT_H
