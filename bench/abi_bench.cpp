// abi_bench: the cost of the plugin ABI itself. A chain of no-op plugins (an
// extractor emitting 10 million cells in batches of 1,000 rows x 10 columns, two
// validators and a sink, each touching every cell once) is run through the C ABI
// exactly as analytica.h defines it — dlopen'ed libraries, the entry symbol,
// version checks, instances created with a host table, batches crossing as
// borrowed views through host->emit() — and against the same work called
// directly (the same functions, linked into this program). Median of N runs each;
// target: ABI / direct <= 1.10.
//
//   abi_bench [--runs N] [--cells N] PLUGIN_DIR
#include "noop/noop_core.h"

#include <analytica.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Loaded {
    void* lib = nullptr;
    const analytica_plugin_descriptor* d = nullptr;
    void* self = nullptr;
    const void* table = nullptr;
};

struct Chain {
    Loaded extractor, validators[2], sink;
    analytica_host host{};
    std::string error;
};

analytica_status emit(void* ctx, const analytica_batch* batch) {
    Chain* c = static_cast<Chain*>(ctx);
    // The batch is borrowed for this call: validators and sink see it inside it.
    for (auto& v : c->validators) {
        const auto* t = static_cast<const analytica_validator_v1*>(v.table);
        if (analytica_status s = t->validate(v.self, batch); s < 0) return s;
    }
    const auto* sink = static_cast<const analytica_sink_v1*>(c->sink.table);
    return sink->write(c->sink.self, batch);
}
void log_fn(void*, analytica_log_level, const char*) {}
void fail_fn(void* ctx, const char* m) { static_cast<Chain*>(ctx)->error = m ? m : ""; }
void event_fn(void*, analytica_event_kind, const char*) {}
int cancelled_fn(void*) { return 0; }

bool load(Chain& c, Loaded& l, const std::string& path, const char* id, const std::string& settings) {
    l.lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!l.lib) {
        std::fprintf(stderr, "abi_bench: %s\n", dlerror());
        return false;
    }
    auto entry = reinterpret_cast<analytica_entry_fn>(dlsym(l.lib, ANALYTICA_ENTRY));
    if (!entry) return false;
    l.d = entry();
    if (!l.d || l.d->abi_major != ANALYTICA_ABI_MAJOR || l.d->abi_minor > ANALYTICA_ABI_MINOR) return false;
    if (l.d->create(&c.host, settings.c_str(), &l.self) != ANALYTICA_OK) return false;
    l.table = l.d->get_interface(id);
    return l.table != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 7;
    uint64_t cells = 10'000'000;
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--cells" && i + 1 < argc) cells = std::strtoull(argv[++i], nullptr, 10);
        else dir = a;
    }
    if (dir.empty()) {
        std::fprintf(stderr, "usage: abi_bench [--runs N] [--cells N] PLUGIN_DIR\n");
        return 2;
    }
    const uint64_t per_batch = noop::kRowsPerBatch * noop::kColumns;
    const uint64_t batches = (cells + per_batch - 1) / per_batch;
    Chain c;
    c.host = {sizeof(analytica_host), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, &c, "", log_fn, fail_fn, emit,
              event_fn, cancelled_fn, nullptr, nullptr, nullptr, ""};
    const std::string settings = "{\"batches\":" + std::to_string(batches) + "}";
    if (!load(c, c.extractor, dir + "/libbench_noop_extractor.so", ANALYTICA_EXTRACTOR_V1, settings) ||
        !load(c, c.validators[0], dir + "/libbench_noop_validator.so", ANALYTICA_VALIDATOR_V1, "{}") ||
        !load(c, c.validators[1], dir + "/libbench_noop_validator.so", ANALYTICA_VALIDATOR_V1, "{}") ||
        !load(c, c.sink, dir + "/libbench_noop_sink.so", ANALYTICA_SINK_V1, "{}")) {
        std::fprintf(stderr, "abi_bench: cannot load the no-op plugins from %s\n", dir.c_str());
        return 2;
    }
    const auto* ex = static_cast<const analytica_extractor_v1*>(c.extractor.table);
    analytica_input input{sizeof(analytica_input), "bench://noop", "/dev/null", "noop", nullptr, nullptr, nullptr};

    std::vector<double> abi_ms, direct_ms;
    uint64_t sink = 0;
    noop::BatchBuffer buf;
    for (int k = 0; k < runs + 1; ++k) {  // the first round warms up and is not counted
        auto t0 = Clock::now();
        if (ex->extract(c.extractor.self, &input) != ANALYTICA_OK) {
            std::fprintf(stderr, "abi_bench: extract failed: %s\n", c.error.c_str());
            return 1;
        }
        const double a = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        t0 = Clock::now();
        for (uint64_t b = 0; b < batches; ++b) {
            noop::fill(buf, b * noop::kRowsPerBatch);
            sink += noop::validate(&buf.batch);
            sink += noop::validate(&buf.batch);
            sink += noop::write(&buf.batch);
        }
        const double d = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (k > 0) abi_ms.push_back(a), direct_ms.push_back(d);
    }
    for (Loaded* l : {&c.extractor, &c.validators[0], &c.validators[1], &c.sink}) l->d->destroy(l->self);
    const double ratio = median(abi_ms) / median(direct_ms);
    std::printf("ABI overhead: %llu cells (%llu batches) through extractor -> 2 validators -> sink\n",
                static_cast<unsigned long long>(batches * per_batch), static_cast<unsigned long long>(batches));
    std::printf("through the ABI %.1f ms, direct calls %.1f ms (median of %d)\n", median(abi_ms), median(direct_ms),
                runs);
    std::printf("RESULT abi: ratio %.3fx (target <= 1.10x)%s\n", ratio, sink == 42 ? " " : "");
    return ratio <= 1.10 ? 0 : 1;
}
