// libFuzzer target: the CREB reader's geometry layer (text_layout.h,
// tables.h) on positioned words, without poppler — thousands of times faster
// than fuzz_creb_reader's whole PDFs, so the table logic itself gets
// explored. Input: a sequence of words, each 4 little-endian floats (x0, y0,
// x1, y1 in PDF points, top-left origin), one length byte and that many
// bytes of text; one page of 612 x 792 points.
//
// With ANALYTICA_FUZZ_SEEDS=DIR set, writes the seed corpus instead: every
// page of creb-synth reports (each drift mode) as poppler reads them.
#include "creb_synth/creb_synth.h"
#include "pdf_pages.h"
#include "tables.h"
#include "text_layout.h"
#include "seeds.h"


#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace {

std::string encode(const creb::PageText& page) {
  std::string out;
  for (const auto& w : page.words) {
    const float f[4] = {static_cast<float>(w.box.x0), static_cast<float>(w.box.y0), static_cast<float>(w.box.x1),
                        static_cast<float>(w.box.y1)};
    out.append(reinterpret_cast<const char*>(f), sizeof f);
    const size_t n = std::min<size_t>(w.text.size(), 255);
    out += static_cast<char>(n);
    out.append(w.text, 0, n);
  }
  return out;
}

void write_seeds(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  creb::silence_poppler();
  using creb_synth::Drift;
  const Drift drifts[] = {Drift::None, Drift::ShiftColumns, Drift::ExtraRow, Drift::MovedPage};
  int n = 0;
  for (const Drift d : drifts) {
    creb_synth::Options o;
    o.report_month = "2024-0" + std::to_string(3 + n / 10);
    o.drift = d;
    const std::string pdf = creb_synth::render_report(o).pdf;
    const std::unique_ptr<creb::PdfPages> doc = creb::PdfPages::open_memory(pdf);
    if (!doc) continue;
    for (int p = 0; p < doc->count(); ++p)
      std::ofstream(dir / ("page_" + std::to_string(n++)), std::ios::binary) << encode(doc->words(p));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(write_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  creb::PageText page;
  page.number = 1;
  page.width = 612;
  page.height = 792;
  size_t i = 0;
  while (i + 17 <= size && page.words.size() < 4000) {
    float f[4];
    std::memcpy(f, data + i, sizeof f);
    const size_t n = std::min<size_t>(data[i + 16], size - i - 17);
    creb::Word w;
    w.box = {f[0], f[1], f[2], f[3]};
    w.text.assign(reinterpret_cast<const char*>(data + i + 17), n);
    page.words.push_back(std::move(w));
    i += 17 + n;
  }
  try {
    creb::build_lines(page);
    const creb::PageTitle title = creb::read_title(page);
    for (const auto& type : creb::city_property_types())
      (void)creb::read_city_table(page, type, title.type_box);
    (void)creb::read_district_table(page);
  } catch (const std::exception&) {
  }
  return 0;
}
