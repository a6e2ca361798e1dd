// The one convention of every fuzz target here: run with ANALYTICA_FUZZ_SEEDS
// set to a directory, the target writes its generated seed corpus there and
// exits (tests/fuzz/run.sh does this before fuzzing).
#ifndef ANALYTICA_TESTS_FUZZ_SEEDS_H
#define ANALYTICA_TESTS_FUZZ_SEEDS_H

#include <cstdlib>
#include <filesystem>

// Called first in LLVMFuzzerInitialize: if ANALYTICA_FUZZ_SEEDS is set,
// writes the seeds with `write` and exits the process with status 0;
// otherwise returns, and fuzzing goes on.
inline void write_seeds_if_asked(void (*write)(const std::filesystem::path& dir)) {
  if (const char* dir = std::getenv("ANALYTICA_FUZZ_SEEDS")) {
    write(dir);
    std::exit(0);
  }
}

#endif  // ANALYTICA_TESTS_FUZZ_SEEDS_H
