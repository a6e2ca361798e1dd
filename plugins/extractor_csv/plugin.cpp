// extractor_csv: reads a CSV file with a header row into one table, named
// by the `table` setting or the file's stem. CSV has no pages: provenance is
// page 0 with confidence 1.
#include "csv_reader.h"
#include "instance_glue.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;

struct Extractor {
  const analytica_host* host;
  std::string table, delimiter;
  std::vector<std::string> key;
};

std::string identifier(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "t_" + s;
  return s;
}

std::unique_ptr<Extractor> make_extractor(const analytica_host* host, const nlohmann::json& s) {
  auto x = std::make_unique<Extractor>();
  x->host = host;
  x->table = s.value("table", "");
  x->delimiter = s.value("delimiter", ",");
  x->key = s.value("key", std::vector<std::string>{});
  if (x->delimiter.size() != 1) throw Failure(ANALYTICA_ERR_INVALID, "delimiter must be one character");
  return x;
}

const analytica_table_schema* output_table(void*, uint32_t) { return nullptr; }  // shape known only per file

int32_t probe(void*, const analytica_input* in) {
  std::string ext = fs::path(in->path ? in->path : "").extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".csv" ? 80 : 0;
}

analytica_status extract(void* self, const analytica_input* in) {
  return analytica::glue::guarded<Extractor>(self, [&](Extractor* x) {
    const std::string path = in->path ? in->path : "";
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Failure(ANALYTICA_ERR_IO, path + ": cannot open");
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string table = x->table.empty() ? identifier(fs::path(path).stem().string()) : x->table;
    try {
      analytica::Batch batch = csv::to_batch(table, csv::parse(ss.str(), x->delimiter[0]), x->key);
      return x->host->emit(x->host->ctx, batch.view());
    } catch (const std::runtime_error& e) {
      throw Failure(ANALYTICA_ERR_FORMAT, path + ": " + e.what());
    }
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_EXTRACTOR, "extractor_csv", "1.0.0", "CSV with a header row into one typed table",
                 extractor_csv::kSettings, analytica::glue::create<make_extractor>, analytica::glue::destroy<Extractor>,
                 {ANALYTICA_EXTRACTOR_V1, &kExtractor})
