// extractor_creb through its C ABI, as the host loads it: analytica.preview/1
// renders PNG crops with the right statuses; extract honours max_file_mb and
// reads only the previous report's table pages when their titles confirm them.
#include "test_support.h"

#include <analytica.h>

#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <cstring>
#include <string>
#include <vector>

#ifdef CREB_HAVE_SYNTH
#include "creb_synth/creb_synth.h"

using testsupport::TempDir;

namespace {

struct FakeHost {
    analytica_host host{};
    std::vector<std::string> logs;
    std::string failure;
    size_t batches = 0;
};

void log_fn(void* ctx, analytica_log_level, const char* m) { static_cast<FakeHost*>(ctx)->logs.push_back(m); }
void fail_fn(void* ctx, const char* m) { static_cast<FakeHost*>(ctx)->failure = m ? m : ""; }
analytica_status emit_fn(void* ctx, const analytica_batch*) {
    ++static_cast<FakeHost*>(ctx)->batches;
    return ANALYTICA_OK;
}
void event_fn(void*, analytica_event_kind, const char*) {}
int cancelled_fn(void*) { return 0; }

struct Plugin {
    void* lib = nullptr;
    const analytica_plugin_descriptor* d = nullptr;
    void* self = nullptr;
    FakeHost fake;
    explicit Plugin(const std::string& settings = "{}") {
        lib = dlopen((std::string(PLUGIN_DIR) + "/libextractor_creb.so").c_str(), RTLD_NOW | RTLD_LOCAL);
        REQUIRE(lib);
        auto entry = reinterpret_cast<analytica_entry_fn>(dlsym(lib, ANALYTICA_ENTRY));
        REQUIRE(entry);
        d = entry();
        fake.host = {sizeof(analytica_host), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, &fake, "", log_fn, fail_fn,
                     emit_fn, event_fn, cancelled_fn, nullptr, nullptr, nullptr, ""};
        REQUIRE(d->create(&fake.host, settings.c_str(), &self) == ANALYTICA_OK);
    }
    ~Plugin() {
        if (d) d->destroy(self);
        if (lib) dlclose(lib);
    }
    analytica_status extract(const std::string& path) {
        const auto* x = static_cast<const analytica_extractor_v1*>(d->get_interface(ANALYTICA_EXTRACTOR_V1));
        analytica_input in{sizeof(analytica_input), path.c_str(), path.c_str(), path.c_str(), nullptr, nullptr,
                           nullptr};
        return x->extract(self, &in);
    }
};

std::string write_synth(const TempDir& tmp, const std::string& month, unsigned seed = 4) {
    creb_synth::Options opt;
    opt.report_month = month;
    opt.seed = seed;
    const auto r = creb_synth::render_report(opt);
    const std::string path = tmp.file(r.file_name);
    write_text(path, r.pdf);
    return path;
}

}  // namespace

TEST_CASE("plugin ABI: analytica.preview/1 renders a PNG of cells in context", "[preview][abi]") {
    TempDir tmp;
    const std::string pdf = write_synth(tmp, "2024-04");
    Plugin p;
    const auto* pv = static_cast<const analytica_preview_v1*>(p.d->get_interface(ANALYTICA_PREVIEW_V1));
    REQUIRE(pv);
    CHECK(pv->struct_size == sizeof(analytica_preview_v1));
    // A cell somewhere on page 2 (the reader's own provenance is checked in test_preview).
    const creb::Report r = creb::read_report(pdf);
    const creb::Cell& c = *r.district_monthly.front().find("sales");
    analytica_provenance cell{c.page, {c.box.x0, c.box.y0, c.box.x1, c.box.y1}, 1.0};
    analytica_preview_request q{sizeof(analytica_preview_request), pdf.c_str(), &cell, 1, 1.0};
    const char* type = nullptr;
    const uint8_t* data = nullptr;
    uint64_t size = 0;
    REQUIRE(pv->render(p.self, &q, &type, &data, &size) == ANALYTICA_OK);
    CHECK(std::string(type) == "image/png");
    REQUIRE(size > 100);
    CHECK(std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0);

    analytica_provenance off_page = cell;
    off_page.page = 999;
    q.cells = &off_page;
    CHECK(pv->render(p.self, &q, &type, &data, &size) == ANALYTICA_ERR_INVALID);
    CHECK(p.fake.failure.find("does not exist") != std::string::npos);
    write_text(tmp.file("text.pdf"), "not a pdf at all");
    const std::string keep = tmp.file("text.pdf");
    q.path = keep.c_str();
    q.cells = &cell;
    CHECK(pv->render(p.self, &q, &type, &data, &size) == ANALYTICA_ERR_FORMAT);
    q.cell_count = 0;
    CHECK(pv->render(p.self, &q, &type, &data, &size) == ANALYTICA_ERR_INVALID);
}

TEST_CASE("plugin ABI: max_file_mb refuses a larger file by its size", "[abi][size]") {
    TempDir tmp;
    const std::string big = tmp.file("big.pdf");
    write_text(big, "%PDF-1.7\n" + std::string(3u << 20, ' '));
    Plugin p("{\"max_file_mb\": 2}");
    CHECK(p.extract(big) == ANALYTICA_ERR_FORMAT);
    CHECK(p.fake.failure.find("file too large") != std::string::npos);
    CHECK(p.fake.batches == 0);
    void* bad = nullptr;
    CHECK(p.d->create(&p.fake.host, "{\"max_file_mb\": 0}", &bad) == ANALYTICA_ERR_INVALID);
}

TEST_CASE("plugin ABI: the second report is read from the first one's table pages", "[abi][pages]") {
    TempDir tmp;
    const std::string a = write_synth(tmp, "2024-04"), b = write_synth(tmp, "2024-05");
    Plugin p;
    REQUIRE(p.extract(a) == ANALYTICA_OK);
    REQUIRE(p.extract(b) == ANALYTICA_OK);
    CHECK(p.fake.batches == 6);
    REQUIRE(p.fake.logs.size() == 2);
    CHECK(p.fake.logs[0].find("read 6 of") != std::string::npos);
    CHECK(p.fake.logs[0].find("found by the titles of") != std::string::npos);
    CHECK(p.fake.logs[1].find("read 6 of") != std::string::npos);
    CHECK(p.fake.logs[1].find("all on the pages of the previous report") != std::string::npos);
}

#endif
