// cmhc_bench [WORKBOOK.xlsx...] — extraction time per CMHC workbook against
// the floor: a plain `unzip -p WORKBOOK 'xl/worksheets/*.xml' >/dev/null`,
// which only inflates the sheets. Prints the median of several runs of each
// and the ratio. Without arguments, reads ANALYTICA_CORPUS_DIR/cmhc/*.xlsx.
#include "rmr.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// CPU milliseconds (user + system) of this process and of its waited-for children.
double cpu_ms(int who) {
  rusage u{};
  getrusage(who, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

struct Timing {
  double wall = 0, cpu = 0;  // medians, ms
};

// Median wall and CPU time of f over `runs` runs; CPU time counts `who`
// (RUSAGE_SELF for in-process work, RUSAGE_CHILDREN for a spawned command).
template <typename F>
Timing median(int runs, int who, F f) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const double c0 = cpu_ms(who);
    const auto t0 = Clock::now();
    f();
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu.push_back(cpu_ms(who) - c0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> books;
  for (int i = 1; i < argc; ++i) books.emplace_back(argv[i]);
  if (books.empty()) {
    const char* env = std::getenv("ANALYTICA_CORPUS_DIR");
    const fs::path dir = fs::path(env && *env ? env : ANALYTICA_CORPUS_DIR) / "cmhc";
    std::error_code ec;
    if (fs::is_directory(dir, ec))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".xlsx") books.push_back(e.path());
    std::sort(books.begin(), books.end());
  }
  if (books.empty()) {
    std::fprintf(stderr, "cmhc_bench: no workbooks (give paths, or set ANALYTICA_CORPUS_DIR)\n");
    return 2;
  }
  if (std::system("command -v unzip >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "cmhc_bench: unzip is not installed (apt-get install unzip)\n");
    return 2;
  }
  const int runs = 15;
  std::printf("%-26s %7s %7s | %-24s | %-24s | %s\n", "", "", "", "wall ms (median)", "CPU ms (median)", "");
  std::printf("%-26s %7s %7s | %11s %12s | %11s %12s | %s\n", "workbook", "values", "changes", "extract", "unzip -p",
              "extract", "unzip -p", "ratio wall / CPU");
  for (const auto& b : books) {
    rmr::Report report;
    try {
      report = rmr::read_report(b.string());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cmhc_bench: %s\n", e.what());
      return 1;
    }
    const Timing extract = median(runs, RUSAGE_SELF, [&] { (void)rmr::read_report(b.string()); });
    const std::string cmd = "unzip -p " + quote(b.string()) + " 'xl/worksheets/*.xml' >/dev/null";
    const Timing unzip = median(runs, RUSAGE_CHILDREN, [&] {
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cmhc_bench: %s failed\n", cmd.c_str());
    });
    std::printf("%-26s %7zu %7zu | %11.2f %12.2f | %11.2f %12.2f | %.1fx / %.1fx\n", b.filename().string().c_str(),
                report.values.size(), report.changes.size(), extract.wall, unzip.wall, extract.cpu, unzip.cpu,
                extract.wall / unzip.wall, unzip.cpu > 0 ? extract.cpu / unzip.cpu : 0.0);
  }
  std::printf("(median of %d runs; extract = reading the workbook into records in-process, unzip -p = a process "
              "inflating the sheets to /dev/null, its CPU time including the shell that starts it)\n", runs);
  return 0;
}
