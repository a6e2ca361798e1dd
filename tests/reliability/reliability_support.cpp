#include "reliability_support.h"

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace reltest {

namespace {

std::vector<std::string> words(const StallDir& d, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--log-level", "warn", "--data-dir", d.data.string()};
  all.insert(all.end(), args.begin(), args.end());
  return analytica_words({RELIABILITY_TEST_PLUGIN_DIR, PLUGIN_DIR}, all);
}

}  // namespace

StallDir::StallDir()
    : data(tmp / "data"), inbox(tmp / "data/inbox"), pipeline(tmp / "st.json"), database(tmp / "data/analytica.db") {
  fs::create_directories(inbox);
  const json p = {
      {"name", "st"},
      {"sources",
       {{{"plugin", "source_directory"}, {"settings", {{"path", "${data_dir}/inbox"}, {"pattern", "*.st"}}}}}},
      {"extractors", {{{"plugin", "test_stall_extractor"}}}},
      {"sinks", {{{"plugin", "sink_sqlite"}, {"settings", {{"path", "${database}"}}}}}},
      {"monitors", {{{"plugin", "monitor_metrics"}, {"settings", {{"dir", "${data_dir}/metrics"}}}}}}};
  write_text(pipeline, p.dump(2));
}

CliResult StallDir::analytica(const std::vector<std::string>& args, const std::string& env) const {
  return run_shell(shell_command(words(*this, args), env));
}

CliResult StallDir::run_with_file_limit(uint64_t max_file_bytes) const {
  return run_shell("trap '' XFSZ; ulimit -f " + std::to_string(max_file_bytes / 512) + "; " +
                   shell_command(words(*this, {"run", pipeline.string()})));
}

pid_t StallDir::start_run() const {
  std::vector<std::string> args = words(*this, {"run", pipeline.string()});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (data / "run.log").string();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setenv("ANALYTICA_EXTRACT_WORKERS", "1", 1);  // inputs in order: none extracted ahead of the stall
    if (FILE* f = std::fopen(log.c_str(), "a")) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

bool wait_for_file(const fs::path& file, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(file)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fs::exists(file);
}

void kill_and_reap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

std::string metric_value(const std::string& exposition, const std::string& series) {
  const std::string head = series + " ";
  size_t at = 0;
  while (at < exposition.size()) {
    const size_t end = exposition.find('\n', at);
    const std::string line = exposition.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.rfind(head, 0) == 0) return line.substr(head.size());
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

}  // namespace reltest
