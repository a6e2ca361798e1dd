// Which pages the reader reads (issue 17) and what it refuses before reading
// (issue 14, item 7): a hint of table pages is confirmed by each page's title,
// a wrong hint falls back to a counted scan, results never change; a file over
// the size limit is refused by its size, without being read.
#include "creb_report.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef CREB_HAVE_SYNTH
#include "creb_synth/creb_synth.h"
#endif

using testsupport::TempDir;

namespace {

long max_rss_kib() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace

TEST_CASE("size limit: a 1 GB file with a %PDF header is refused by its size before it is read",
          "[bad-input][size]") {
    TempDir tmp;
    const std::string path = tmp.file("huge.pdf");
    {
        // A sparse file: a real header, then 1 GiB of nothing (no disk used).
        const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
        REQUIRE(fd >= 0);
        const char header[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
        REQUIRE(::write(fd, header, sizeof header - 1) == static_cast<ssize_t>(sizeof header - 1));
        REQUIRE(::ftruncate(fd, 1024LL * 1024 * 1024) == 0);
        ::close(fd);
    }
    const long rss_before = max_rss_kib();
    const auto t0 = std::chrono::steady_clock::now();
    std::string msg;
    try {
        (void)creb::read_report(path);
    } catch (const creb::Error& e) {
        msg = e.what();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO("message: " << msg);
    CHECK(msg.rfind(path + ": ", 0) == 0);
    CHECK(msg.find("file too large") != std::string::npos);
    CHECK(msg.find("1073741824 bytes") != std::string::npos);
    // Not read: no growth of the peak resident set beyond noise, and no time spent.
    CHECK(max_rss_kib() - rss_before < 16 * 1024);
    CHECK(secs < 1.0);

    // The limit is the caller's (the plugin's setting max_file_mb).
    creb::ReadOptions small;
    small.max_file_bytes = 1000;
    write_text(tmp.file("small.pdf"), "%PDF-1.4\n" + std::string(2000, ' '));
    try {
        (void)creb::read_report(tmp.file("small.pdf"), small);
        FAIL("no creb::Error");
    } catch (const creb::Error& e) {
        CHECK(std::string(e.what()).find("file too large (2009 bytes; the limit is 1000 bytes)") !=
              std::string::npos);
    }
    try {
        (void)creb::read_report_from_memory("%PDF-1.4\n" + std::string(2000, ' '), "mem.pdf", small);
        FAIL("no creb::Error");
    } catch (const creb::Error& e) {
        CHECK(std::string(e.what()).find("mem.pdf: file too large") == 0);
    }
}

TEST_CASE("size limit: a directory or a FIFO named .pdf is refused without blocking", "[bad-input][size]") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path / "dir.pdf");
    CHECK_THROWS_WITH(creb::read_report(tmp.file("dir.pdf")), Catch::Contains("not a regular file"));
    REQUIRE(::mkfifo(tmp.file("fifo.pdf").c_str(), 0600) == 0);
    CHECK_THROWS_WITH(creb::read_report(tmp.file("fifo.pdf")), Catch::Contains("not a regular file"));
}

#ifdef CREB_HAVE_SYNTH

namespace {

creb_synth::Rendered synth(const std::string& month, creb_synth::Drift drift, unsigned seed = 3) {
    creb_synth::Options opt;
    opt.report_month = month;
    opt.seed = seed;
    opt.drift = drift;
    return creb_synth::render_report(opt);
}

void require_exact(const creb_synth::Rendered& doc, const creb::Report& got, const std::string& label) {
    const auto cmp = testsupport::compare_with_expected(doc.expected, got, label);
    for (const auto& m : cmp.mismatches) FAIL_CHECK(m);
    CHECK(cmp.mismatches.empty());
    CHECK(cmp.cells > 0);
}

}  // namespace

TEST_CASE("page plan: without a hint only the pages whose titles announce a table are read whole", "[pages]") {
    const auto doc = synth("2024-05", creb_synth::Drift::None);
    const creb::Report r = creb::read_report_from_memory(doc.pdf, doc.file_name);
    require_exact(doc, r, "cold");
    CHECK(r.stats.page_count == doc.page_count);
    CHECK_FALSE(r.stats.scanned);
    CHECK(r.stats.hinted_pages == 0);
    // Six tables: five city pages and the district page, each read whole once.
    REQUIRE(r.table_pages.size() == 6);
    CHECK(r.stats.probe_hits == 6);
    CHECK(r.stats.pages_read == 6);
    // Titles are read up to the last table page, no further.
    CHECK(r.stats.probed_pages == r.table_pages.back());
}

TEST_CASE("page plan: with titles off the pages are read whole in order, counted, with the same result",
          "[pages]") {
    const auto doc = synth("2024-05", creb_synth::Drift::All, 4);
    const creb::Report titled = creb::read_report_from_memory(doc.pdf, doc.file_name);
    creb::ReadOptions opt;
    opt.title_chars = 0;
    const creb::Report r = creb::read_report_from_memory(doc.pdf, doc.file_name, opt);
    require_exact(doc, r, "in order");
    CHECK(r.stats.scanned);
    CHECK(r.stats.probed_pages == 0);
    CHECK(r.stats.pages_read == r.stats.scan_pages);
    CHECK(r.stats.pages_read == r.table_pages.back());
    CHECK(r.stats.pages_read > titled.stats.pages_read);
    CHECK(creb::to_expected_json(r, true) == creb::to_expected_json(titled, true));
}

TEST_CASE("page plan: the previous report's table pages are read alone when their titles confirm them",
          "[pages]") {
    const auto first = synth("2024-05", creb_synth::Drift::None, 3);
    const auto next = synth("2024-06", creb_synth::Drift::None, 3);
    const creb::Report a = creb::read_report_from_memory(first.pdf, first.file_name);
    creb::ReadOptions opt;
    opt.hint_pages = a.table_pages;
    const creb::Report b = creb::read_report_from_memory(next.pdf, next.file_name, opt);
    require_exact(next, b, "hinted");
    CHECK_FALSE(b.stats.scanned);
    CHECK(b.stats.scan_pages == 0);
    CHECK(b.stats.hinted_pages == 6);
    CHECK(b.stats.hint_hits == 6);
    CHECK(b.stats.pages_read == 6);
    CHECK(b.table_pages == a.table_pages);
}

TEST_CASE("page plan: a hint that misses falls back to the titles, counted, with the same result", "[pages]") {
    // The district table moves behind the city pages and a page is inserted up front.
    const auto moved = synth("2024-06", creb_synth::Drift::MovedPage, 3);
    const auto base = synth("2024-05", creb_synth::Drift::None, 3);
    const creb::Report cold = creb::read_report_from_memory(moved.pdf, moved.file_name);
    const creb::Report a = creb::read_report_from_memory(base.pdf, base.file_name);
    REQUIRE(a.table_pages != cold.table_pages);
    creb::ReadOptions opt;
    opt.hint_pages = a.table_pages;
    const creb::Report b = creb::read_report_from_memory(moved.pdf, moved.file_name, opt);
    require_exact(moved, b, "wrong hint");
    CHECK_FALSE(b.stats.scanned);
    CHECK(b.stats.probed_pages > 0);
    CHECK(b.stats.hint_hits < 6);
    CHECK(b.stats.hint_hits + b.stats.probe_hits == 6);
    CHECK(b.table_pages == cold.table_pages);
    CHECK(creb::to_expected_json(b, true) == creb::to_expected_json(cold, true));

    // Nonsense hints (outside the document, repeated) are ignored.
    opt.hint_pages = {-3, 0, 999, 2, 2, 2};
    const creb::Report c = creb::read_report_from_memory(moved.pdf, moved.file_name, opt);
    require_exact(moved, c, "nonsense hint");
    CHECK(c.stats.hinted_pages == 1);
    CHECK(creb::to_expected_json(c, true) == creb::to_expected_json(cold, true));
}

TEST_CASE("page plan: a hint pointing at chart pages with the same titles is not taken for a table", "[pages]") {
    // Every page of the report tried as a hint in reverse order: the result is the
    // cold read's, whatever order the pages are confirmed in.
    const auto doc = synth("2025-02", creb_synth::Drift::All, 5);
    const creb::Report cold = creb::read_report_from_memory(doc.pdf, doc.file_name);
    creb::ReadOptions opt;
    for (int p = doc.page_count; p >= 1; --p) opt.hint_pages.push_back(p);
    const creb::Report r = creb::read_report_from_memory(doc.pdf, doc.file_name, opt);
    require_exact(doc, r, "reverse hint");
    CHECK(creb::to_expected_json(r, true) == creb::to_expected_json(cold, true));
}

#endif

TEST_CASE("page plan: the corpus read with the previous report's pages as hint stays exact", "[corpus][pages]") {
    const auto reports = testsupport::corpus_reports();
    if (reports.empty()) {
        WARN("SKIPPED: no CREB corpus found (set ANALYTICA_CORPUS_DIR)");
        return;
    }
    creb::ReadOptions opt;
    int pages_read = 0, pages_total = 0, scans = 0;
    size_t cells = 0;
    for (const std::string& pdf : reports) {
        const nlohmann::json expected =
            nlohmann::json::parse(read_text(pdf.substr(0, pdf.size() - 4) + ".expected.json"));
        const creb::Report r = creb::read_report(pdf, opt);
        const auto cmp = testsupport::compare_with_expected(expected, r, pdf);
        for (const auto& m : cmp.mismatches) FAIL_CHECK(m);
        CHECK(r.warnings.empty());
        cells += cmp.cells;
        pages_read += r.stats.pages_read;
        pages_total += r.stats.page_count;
        scans += r.stats.scanned ? 1 : 0;
        opt.hint_pages = r.table_pages;
    }
    WARN("corpus with hints: " << cells << " cells exact; read " << pages_read << " of " << pages_total
                               << " pages; " << scans << " scan(s) in " << reports.size() << " reports");
}
