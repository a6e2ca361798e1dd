// extractor_statcan: reads Statistics Canada's New Housing Price Index
// (table 18-10-0205-01) in the CSV layout StatCan publishes its full tables
// in — a UTF-8 byte-order mark, every field quoted, the columns
//   REF_DATE, GEO, DGUID, <one column per dimension>, UOM, UOM_ID,
//   SCALAR_FACTOR, SCALAR_ID, VECTOR, COORDINATE, VALUE, STATUS, SYMBOL,
//   TERMINATED, DECIMALS
// — into its own table `nhpi` (the pipeline's table_prefix goes in front):
//   ref_date TEXT key ("2024-03"), geo TEXT key, index_type TEXT key
//   ("Total (house and land)", "House only", "Land only"), dguid, uom,
//   vector, coordinate TEXT, value DOUBLE (NULL when StatCan publishes none),
//   status TEXT (StatCan's flag: "" | "E" use with caution | ".." not
//   available | "x" suppressed | "F" too unreliable).
// Columns are found by header name, so StatCan adding a column is harmless.
// Provenance: CSV has no pages (page 0); confidence 1, or 0.75 for "E".
//
// An example of an analytica plugin built against the installed SDK only.
#include <analytica.h>
#include <analytica_cpp.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;

const char* const kDimension = "New housing price indexes";

struct Extractor {
  const analytica_host* host = nullptr;
  analytica::Schema schema{"nhpi",
                           {{"ref_date", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                            {"geo", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                            {"index_type", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                            {"dguid", ANALYTICA_TEXT, 0},
                            {"uom", ANALYTICA_TEXT, 0},
                            {"vector", ANALYTICA_TEXT, 0},
                            {"coordinate", ANALYTICA_TEXT, 0},
                            {"value", ANALYTICA_DOUBLE, 0},
                            {"status", ANALYTICA_TEXT, 0}}};
};

// Splits one CSV record (RFC 4180 quoting; StatCan quotes every field).
// Returns false at end of input. Quoted fields may hold newlines.
bool read_record(std::istream& in, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false, any = false;
  for (char c; in.get(c);) {
    any = true;
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') { in.get(c); field += '"'; } else { quoted = false; }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      fields.push_back(std::move(field));
      return true;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) throw Failure(ANALYTICA_ERR_FORMAT, "unterminated quoted field at end of file");
  if (any) fields.push_back(std::move(field));
  return any;
}

void strip_bom(std::string& s) {
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.erase(0, 3);
}

// The header's column positions by name; throws naming the first missing one.
std::map<std::string, size_t> header_index(std::vector<std::string> header, const std::string& file) {
  if (!header.empty()) strip_bom(header[0]);
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < header.size(); ++i) at[header[i]] = i;
  for (const char* need : {"REF_DATE", "GEO", "DGUID", kDimension, "UOM", "VECTOR", "COORDINATE", "VALUE", "STATUS"})
    if (!at.count(need))
      throw Failure(ANALYTICA_ERR_FORMAT, file + ": not a StatCan NHPI table (no column \"" + need + "\")");
  return at;
}

analytica_status create(const analytica_host* host, const char*, void** out) {
  return analytica::guard(host, [&] {
    auto x = std::make_unique<Extractor>();
    x->host = host;
    *out = x.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Extractor*>(self); }

const analytica_table_schema* output_table(void* self, uint32_t index) {
  return index == 0 ? static_cast<Extractor*>(self)->schema.view() : nullptr;
}

// Certain when the header names REF_DATE and the NHPI dimension; cheap: the
// first line only.
int32_t probe(void*, const analytica_input* input) {
  std::ifstream in(input->path, std::ios::binary);
  std::string first;
  if (!in || !std::getline(in, first)) return 0;
  strip_bom(first);
  if (first.rfind("\"REF_DATE\"", 0) != 0 && first.rfind("REF_DATE", 0) != 0) return 0;
  return first.find(kDimension) != std::string::npos ? 90 : 0;
}

analytica_status extract(void* self, const analytica_input* input) {
  auto* x = static_cast<Extractor*>(self);
  return analytica::guard(x->host, [&] {
    const std::string file = input->display_name ? input->display_name : input->path;
    std::ifstream in(input->path, std::ios::binary);
    if (!in) throw Failure(ANALYTICA_ERR_IO, file + ": cannot open");
    std::vector<std::string> rec;
    if (!read_record(in, rec)) throw Failure(ANALYTICA_ERR_FORMAT, file + ": empty file");
    const auto at = header_index(rec, file);
    Batch batch(x->schema);
    for (size_t line = 2; read_record(in, rec); ++line) {
      if (rec.size() == 1 && rec[0].empty()) continue;  // blank line
      // A short record (a truncated download, say) is refused naming its line.
      if (rec.size() < at.size())
        throw Failure(ANALYTICA_ERR_FORMAT, file + ":" + std::to_string(line) + ": " + std::to_string(rec.size()) +
                                                " fields, header has " + std::to_string(at.size()));
      auto field = [&](const char* name) { return rec[at.at(name)]; };
      const std::string ref = field("REF_DATE"), value = field("VALUE"), status = field("STATUS");
      if (ref.size() != 7 || ref[4] != '-')
        throw Failure(ANALYTICA_ERR_FORMAT, file + ":" + std::to_string(line) + ": REF_DATE \"" + ref +
                                                "\" is not YYYY-MM");
      const analytica_provenance where{0, {0, 0, 0, 0}, status == "E" ? 0.75 : 1.0};
      auto& row = batch.add_row();
      row[0] = Cell::of(ref).at(where);
      row[1] = Cell::of(field("GEO")).at(where);
      row[2] = Cell::of(field(kDimension)).at(where);
      row[3] = Cell::of(field("DGUID")).at(where);
      row[4] = Cell::of(field("UOM")).at(where);
      row[5] = Cell::of(field("VECTOR")).at(where);
      row[6] = Cell::of(field("COORDINATE")).at(where);
      if (value.empty()) {
        row[7] = Cell::null().at(where);
      } else {
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (!end || *end != '\0')
          throw Failure(ANALYTICA_ERR_FORMAT, file + ":" + std::to_string(line) + ": VALUE \"" + value +
                                                  "\" is not a number");
        row[7] = Cell::of(v).at(where);
      }
      row[8] = Cell::of(status).at(where);
    }
    if (batch.row_count() == 0) throw Failure(ANALYTICA_ERR_FORMAT, file + ": no data rows");
    const analytica_status s = x->host->emit(x->host->ctx, batch.view());
    if (s < 0) return s;  // the host already holds the reason
    x->host->log(x->host->ctx, ANALYTICA_LOG_INFO,
                 (file + ": " + std::to_string(batch.row_count()) + " NHPI rows").c_str());
    return ANALYTICA_OK;
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_EXTRACTOR, "extractor_statcan", "1.0.0",
                 "Statistics Canada New Housing Price Index CSV (table 18-10-0205-01) into table nhpi", nullptr, create,
                 destroy, {ANALYTICA_EXTRACTOR_V1, &kExtractor})
