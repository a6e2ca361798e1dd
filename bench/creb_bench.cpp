// creb_bench: times the CREB reader against `pdftotext -layout` on the same pages.
//
//   creb_bench [--runs N] [report.pdf ...]
//
// Without files: every creb/*.pdf under $ANALYTICA_CORPUS_DIR (or the build's default
// corpus folder). For each report the reader runs once to learn which pages hold its
// tables (the pages of its cells' provenance); then, N times each, the reader reads the
// whole report and `pdftotext -layout -f P -l P file -` runs once per such page (one
// process per page, output read to the end). Prints the medians and the ratio
// reader / pdftotext; the target is a ratio <= 2. Exit status 1 if a report misses the
// target or fails to read, 2 on usage errors.
#include "creb_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#ifndef ANALYTICA_CORPUS_DIR
#define ANALYTICA_CORPUS_DIR ""
#endif

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Runs pdftotext -layout -f P -l P file - ; drains its stdout; returns false on failure.
bool run_pdftotext(const std::string& file, int page, size_t& bytes_out) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    const std::string p = std::to_string(page);
    std::vector<std::string> args = {"pdftotext", "-layout", "-f", p, "-l", p, file, "-"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, "pdftotext", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return false;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) bytes_out += static_cast<size_t>(n);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::vector<std::string> default_reports() {
    const char* env = std::getenv("ANALYTICA_CORPUS_DIR");
    std::filesystem::path dir = std::filesystem::path((env && *env) ? env : ANALYTICA_CORPUS_DIR) / "creb";
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().extension() == ".pdf") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 9;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
            if (runs < 1) runs = 1;
        } else if (a == "-h" || a == "--help") {
            std::printf("usage: creb_bench [--runs N] [report.pdf ...]\n");
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "creb_bench: unknown option %s\n", a.c_str());
            return 2;
        } else {
            files.push_back(a);
        }
    }
    if (files.empty()) files = default_reports();
    if (files.empty()) {
        std::fprintf(stderr, "creb_bench: no reports given and no corpus found (set ANALYTICA_CORPUS_DIR)\n");
        return 2;
    }
    std::printf("%-46s %-18s %12s %12s %7s\n", "report", "pages", "reader ms", "pdftotext ms", "ratio");
    bool all_ok = true;
    double worst = 0;
    for (const std::string& file : files) {
        const std::string name = std::filesystem::path(file).filename().string();
        std::set<int> pages;
        try {
            const creb::Report r = creb::read_report(file);  // also warms the page cache
            for (const auto* set : {&r.city_monthly, &r.district_monthly}) {
                for (const auto& rec : *set) {
                    for (const auto& f : rec.fields) pages.insert(f.cell.page);
                }
            }
        } catch (const creb::Error& e) {
            std::printf("%-46s ERROR %s\n", name.c_str(), e.what());
            all_ok = false;
            continue;
        }
        std::string page_list;
        for (int p : pages) page_list += (page_list.empty() ? "" : ",") + std::to_string(p);

        std::vector<double> reader_ms, text_ms;
        size_t sink = 0;
        bool text_ok = true;
        for (int k = 0; k < runs; ++k) {
            auto t0 = Clock::now();
            const creb::Report r = creb::read_report(file);
            reader_ms.push_back(ms_since(t0));
            sink += r.city_monthly.size();
            t0 = Clock::now();
            for (int p : pages) text_ok = run_pdftotext(file, p, sink) && text_ok;
            text_ms.push_back(ms_since(t0));
        }
        if (!text_ok) {
            std::printf("%-46s pdftotext failed (is poppler-utils installed?)\n", name.c_str());
            all_ok = false;
            continue;
        }
        const double rm = median(reader_ms), tm = median(text_ms), ratio = rm / tm;
        worst = std::max(worst, ratio);
        if (ratio > 2.0) all_ok = false;
        std::printf("%-46s %-18s %12.1f %12.1f %6.2fx%s\n", name.c_str(), page_list.c_str(), rm, tm, ratio,
                    ratio > 2.0 ? "  OVER TARGET" : "");
        (void)sink;
    }
    std::printf("median of %d runs each; worst ratio %.2fx (target <= 2.00x): %s\n", runs, worst,
                all_ok ? "OK" : "MISSED");
    return all_ok ? 0 : 1;
}
