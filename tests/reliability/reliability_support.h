// Helpers of the reliability tests of runs that end without saying so and
// of full disks: a data directory whose pipeline reads *.st files with
// test_stall_extractor (a *stall* file waits to be killed) into sink_sqlite,
// with monitor_metrics; runs started in the background and SIGKILLed; runs
// under a file size limit; Prometheus samples by series. The real
// `analytica serve` and HTTP are tests/monitoring/support.h's.
#ifndef ANALYTICA_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H
#define ANALYTICA_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H

#include "monitoring/support.h"
#include "support/support.h"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reltest {

struct StallDir {
  TempDir tmp;
  std::filesystem::path data, inbox, pipeline, database;
  StallDir();
  // `analytica --data-dir DATA ... ARGS` with the test plugins; `env` in front.
  CliResult analytica(const std::vector<std::string>& args, const std::string& env = "") const;
  // `analytica run PIPELINE`.
  CliResult run() const { return analytica({"run", pipeline.string()}); }
  // `analytica run PIPELINE` with SIGXFSZ ignored and RLIMIT_FSIZE set to
  // `max_file_bytes` (rounded down to 512-byte blocks): a disk that fills.
  CliResult run_with_file_limit(uint64_t max_file_bytes) const;
  // `analytica run PIPELINE` as a child process (output to DATA/run.log).
  pid_t start_run() const;
};

// Waits up to `seconds` for the file to exist.
bool wait_for_file(const std::filesystem::path& file, int seconds);

// SIGKILL, then reaps the child.
void kill_and_reap(pid_t pid);

// The value text of the sample whose series (name and labels, as written)
// begins a line of the exposition; "" if there is none.
std::string metric_value(const std::string& exposition, const std::string& series);

}  // namespace reltest

#endif  // ANALYTICA_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H
