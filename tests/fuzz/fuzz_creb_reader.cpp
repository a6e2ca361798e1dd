// libFuzzer target: the CREB PDF reader (plugins/extractor_creb, target
// creb_reader) on arbitrary bytes. Any exception is an accepted refusal (the
// plugin's guard turns it into a failed input); a crash, a sanitizer report,
// a hang or runaway memory is a finding.
//
// With ANALYTICA_FUZZ_SEEDS=DIR set, writes the seed corpus instead — reports
// rendered by creb-synth's library (every drift mode, blanks, planted values)
// — and exits.
#include "creb_report.h"
#include "creb_synth/creb_synth.h"
#include "seeds.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

void write_seeds(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  struct Seed {
    const char* month;
    unsigned drift;
    unsigned seed;
  };
  using creb_synth::Drift;
  const Seed seeds[] = {
      {"2024-03", 0, 1},
      {"2024-12", static_cast<unsigned>(Drift::ShiftColumns), 7},
      {"2025-01", static_cast<unsigned>(Drift::ExtraRow), 3},
      {"2025-02", static_cast<unsigned>(Drift::MovedPage), 5},
      {"2023-06", static_cast<unsigned>(Drift::ShiftColumns | Drift::ExtraRow | Drift::MovedPage), 11},
  };
  int n = 0;
  for (const auto& s : seeds) {
    creb_synth::Options o;
    o.report_month = s.month;
    o.seed = s.seed;
    o.drift = static_cast<Drift>(s.drift);
    if (n == 0) o.overrides["city_monthly/Total/2024-02/index"] = std::nan("");  // a blank cell
    const creb_synth::Rendered r = creb_synth::render_report(o);
    std::ofstream(dir / ("synth_" + std::to_string(n++) + ".pdf"), std::ios::binary) << r.pdf;
  }
  // A few refusals the reader must take calmly.
  std::ofstream(dir / "empty.pdf", std::ios::binary) << "";
  std::ofstream(dir / "header_only.pdf", std::ios::binary) << "%PDF-1.4\n%%EOF\n";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(write_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const creb::Report r = creb::read_report_from_memory(bytes, "fuzz.pdf");
    (void)creb::to_expected_json(r, true).dump();
  } catch (const std::exception&) {
    // refused: fine
  }
  return 0;
}
