// noop_core.h — the work of the no-op benchmark plugins, callable directly too, so
// abi_bench can compare a chain through the plugin ABI with the same calls made
// directly. Each function touches every cell once (so nothing is optimised away)
// and does nothing else.
#ifndef ANALYTICA_BENCH_NOOP_NOOP_CORE_H
#define ANALYTICA_BENCH_NOOP_NOOP_CORE_H

#include <analytica.h>

#include <cstdint>
#include <vector>

namespace noop {

constexpr uint32_t kColumns = 10;
constexpr uint64_t kRowsPerBatch = 1000;

const analytica_table_schema* schema();

// Fills a batch of kRowsPerBatch rows (ints, doubles and short texts) numbered from first_row.
struct BatchBuffer {
    std::vector<analytica_value> values;
    std::vector<analytica_provenance> provenance;
    analytica_batch batch{};
};
void fill(BatchBuffer& b, uint64_t first_row);

// A validator that checks every value's type; returns how many were numbers.
uint64_t validate(const analytica_batch* batch);
// A sink that "writes" by folding every value into a checksum.
uint64_t write(const analytica_batch* batch);

}  // namespace noop

#endif  // ANALYTICA_BENCH_NOOP_NOOP_CORE_H
