// cmhc_bench [WORKBOOK.xlsx...] — extraction time per CMHC workbook against
// the floor: a plain `unzip -p WORKBOOK 'xl/worksheets/*.xml' >/dev/null`,
// which only inflates the sheets. Prints the median of several runs of each
// and the ratio. Without arguments, reads ANALYTICA_CORPUS_DIR/cmhc/*.xlsx.
#include "rmr.h"

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

template <typename F>
double median_ms(int runs, F f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
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
  std::printf("%-28s %8s %8s %12s %12s %7s\n", "workbook", "values", "changes", "extract ms", "unzip -p ms", "ratio");
  for (const auto& b : books) {
    rmr::Report report;
    try {
      report = rmr::read_report(b.string());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cmhc_bench: %s\n", e.what());
      return 1;
    }
    const double extract = median_ms(runs, [&] { (void)rmr::read_report(b.string()); });
    const std::string cmd = "unzip -p " + quote(b.string()) + " 'xl/worksheets/*.xml' >/dev/null";
    const double unzip = median_ms(runs, [&] {
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cmhc_bench: %s failed\n", cmd.c_str());
    });
    std::printf("%-28s %8zu %8zu %12.2f %12.2f %6.1fx\n", b.filename().string().c_str(), report.values.size(),
                report.changes.size(), extract, unzip, extract / unzip);
  }
  std::printf("(median of %d runs; extract = reading the workbook into records in-process, unzip -p = a process "
              "inflating the sheets to /dev/null)\n", runs);
  return 0;
}
