#include "noop_core.h"

namespace noop {

namespace {
const char* const kTexts[] = {"Detached", "Apartment", "Row", "Semi-detached"};
const analytica_column kCols[kColumns] = {
    {"id", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}, {"a", ANALYTICA_INT64, 0}, {"b", ANALYTICA_DOUBLE, 0},
    {"c", ANALYTICA_TEXT, 0}, {"d", ANALYTICA_INT64, 0}, {"e", ANALYTICA_DOUBLE, 0},
    {"f", ANALYTICA_TEXT, 0}, {"g", ANALYTICA_INT64, 0}, {"h", ANALYTICA_DOUBLE, 0},
    {"i", ANALYTICA_INT64, 0}};
const analytica_table_schema kSchema = {sizeof(analytica_table_schema), "bench_noop", kCols, kColumns};
}  // namespace

const analytica_table_schema* schema() { return &kSchema; }

void fill(BatchBuffer& b, uint64_t first_row) {
    b.values.resize(kRowsPerBatch * kColumns);
    b.provenance.resize(kRowsPerBatch * kColumns);
    for (uint64_t r = 0; r < kRowsPerBatch; ++r) {
        for (uint32_t c = 0; c < kColumns; ++c) {
            analytica_value& v = b.values[r * kColumns + c];
            v.type = kCols[c].type;
            const uint64_t n = first_row + r;
            if (v.type == ANALYTICA_INT64) v.as.i = static_cast<int64_t>(n * 7 + c);
            else if (v.type == ANALYTICA_DOUBLE) v.as.d = static_cast<double>(n) * 0.5 + c;
            else {
                const char* t = kTexts[(n + c) % 4];
                v.as.text.ptr = t;
                v.as.text.len = 3 + (n + c) % 4;
            }
            b.provenance[r * kColumns + c] = {1, {1.0 * c, 1.0 * r, 1.0 * c + 1, 1.0 * r + 1}, 1.0};
        }
    }
    b.batch = {sizeof(analytica_batch), &kSchema, kRowsPerBatch, b.values.data(), b.provenance.data(), nullptr};
}

uint64_t validate(const analytica_batch* batch) {
    uint64_t numbers = 0;
    const uint64_t n = batch->row_count * batch->schema->column_count;
    for (uint64_t k = 0; k < n; ++k) numbers += batch->values[k].type != ANALYTICA_TEXT;
    return numbers;
}

uint64_t write(const analytica_batch* batch) {
    uint64_t sum = 0;
    const uint64_t n = batch->row_count * batch->schema->column_count;
    for (uint64_t k = 0; k < n; ++k) {
        const analytica_value& v = batch->values[k];
        sum += v.type == ANALYTICA_TEXT ? v.as.text.len : static_cast<uint64_t>(v.as.i);
        sum += static_cast<uint64_t>(batch->provenance[k].page);
    }
    return sum;
}

}  // namespace noop
