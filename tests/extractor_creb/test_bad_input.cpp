// Bad input: every failure is a creb::Error "<file>: <reason>", and nothing is printed.
#include "creb_report.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fcntl.h>
#include <random>
#include <unistd.h>

using testsupport::make_pdf;
using testsupport::PdfPage;
using testsupport::TempDir;
using testsupport::TextItem;

namespace {

// The creb::Error message of reading `path`, "" when no creb::Error was thrown.
std::string error_of(const std::string& path) {
    try {
        (void)creb::read_report(path);
    } catch (const creb::Error& e) {
        return e.what();
    }
    return "";
}

void require_error(const std::string& path, const std::string& reason_part) {
    const std::string msg = error_of(path);
    INFO("message: " << msg);
    REQUIRE(!msg.empty());
    CHECK(msg.rfind(path + ": ", 0) == 0);
    CHECK(msg.find(reason_part) != std::string::npos);
}

PdfPage text_page(std::vector<TextItem> items) {
    PdfPage p;
    p.items = std::move(items);
    return p;
}

// Runs f with stdout and stderr redirected to a file; returns what was written.
template <class F>
std::string captured_output(const TempDir& tmp, F f) {
    std::fflush(stdout);
    std::fflush(stderr);
    const std::string path = tmp.file("captured.txt");
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    int saved_out = ::dup(1), saved_err = ::dup(2);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    f();
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
    ::close(fd);
    return read_text(path);
}

}  // namespace

TEST_CASE("bad input: missing file", "[bad-input]") {
    TempDir tmp;
    require_error(tmp.file("does-not-exist.pdf"), "cannot open file");
}

TEST_CASE("bad input: empty file", "[bad-input]") {
    TempDir tmp;
    write_text(tmp.file("empty.pdf"), "");
    require_error(tmp.file("empty.pdf"), "empty file");
}

TEST_CASE("bad input: random bytes are not a PDF", "[bad-input]") {
    TempDir tmp;
    std::mt19937 rng(12345);
    std::string bytes(4096, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    write_text(tmp.file("random.pdf"), bytes);
    require_error(tmp.file("random.pdf"), "not a PDF");
}

TEST_CASE("bad input: a PDF header followed by garbage", "[bad-input]") {
    TempDir tmp;
    std::mt19937 rng(777);
    std::string bytes = "%PDF-1.7\n";
    for (int k = 0; k < 8192; ++k) bytes += static_cast<char>(rng() & 0xFF);
    write_text(tmp.file("garbage.pdf"), bytes);
    const std::string msg = error_of(tmp.file("garbage.pdf"));
    INFO(msg);
    CHECK(msg.rfind(tmp.file("garbage.pdf") + ": ", 0) == 0);
}

TEST_CASE("bad input: a PDF with zero pages", "[bad-input]") {
    TempDir tmp;
    write_text(tmp.file("zero.pdf"), make_pdf({}));
    require_error(tmp.file("zero.pdf"), "no pages");
}

TEST_CASE("bad input: an encrypted PDF", "[bad-input]") {
    TempDir tmp;
    testsupport::PdfOptions opt;
    opt.encrypted = true;
    write_text(tmp.file("encrypted.pdf"), make_pdf({text_page({{72, 72, 12, "Secret", false}})}, opt));
    require_error(tmp.file("encrypted.pdf"), "encrypted");
}

TEST_CASE("bad input: a PDF from another publisher", "[bad-input]") {
    TempDir tmp;
    write_text(tmp.file("other.pdf"),
               make_pdf({text_page({{72, 72, 16, "Quarterly Report", false},
                                    {72, 100, 10, "Widgets sold 1,234 5,678 9,012", false},
                                    {72, 120, 10, "Jan. Feb. Mar. Apr. May Jun. Jul.", false}}),
                         text_page({{72, 72, 10, "Nothing to see here", false}})}));
    require_error(tmp.file("other.pdf"), "not a CREB Monthly Statistics Package");
}

TEST_CASE("bad input: CREB titles but the tables are missing", "[bad-input]") {
    TempDir tmp;
    std::vector<PdfPage> pages = {
        text_page({{445, 26, 15, "Calgary Districts", false}, {495, 59, 9, "Feb. 2025", false},
                   {72, 200, 10, "This page lost its table.", false}}),
        text_page({{430, 25, 15, "City of Calgary", false}, {470, 43, 10, "Detached", false},
                   {460, 58, 9, "Feb. 2025", false}, {72, 200, 10, "Only a chart here: 6,000 5,000 4,000", false}}),
    };
    write_text(tmp.file("no-tables.pdf"), make_pdf(pages));
    require_error(tmp.file("no-tables.pdf"), "'Calgary Districts' table not found");
}

TEST_CASE("bad input: read_report_from_memory names the display name", "[bad-input]") {
    try {
        (void)creb::read_report_from_memory("hello", "upload #7");
        FAIL("no error");
    } catch (const creb::Error& e) {
        CHECK(std::string(e.what()) == "upload #7: not a PDF file (no %PDF- header)");
    }
}

TEST_CASE("bad input: nothing is printed to stdout or stderr", "[bad-input]") {
    TempDir tmp;
    std::string bytes = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
                        "3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
                        "4 0 obj << /Length 999 >> stream\nBT (broken\nendobj\nxref\n0 3\nbroken\ntrailer\n";
    write_text(tmp.file("damaged.pdf"), bytes);
    std::string msg;
    const std::string out = captured_output(tmp, [&] { msg = error_of(tmp.file("damaged.pdf")); });
    CHECK(!msg.empty());
    CHECK(out.empty());
}
