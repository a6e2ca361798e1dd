// cmhc-synth OUT.xlsx [--survey YEAR] [--seed N] [--numeric] [--merged-title]
//   [--row-offset N] [--line-breaks] [--no-legend] [--no-index] [--total-error N]
// Writes a synthetic CMHC Rental Market Report workbook and, beside it,
// OUT.expected.json with the records a correct extractor must produce.
#include "cmhc_synth.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  cmhc_synth::Options o;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "cmhc-synth: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << "usage: cmhc-synth OUT.xlsx [--survey YEAR] [--seed N] [--numeric] [--merged-title]\n"
                   "                  [--row-offset N] [--line-breaks] [--no-legend] [--no-index]\n";
      return 0;
    }
    if (a == "--survey") o.survey_year = std::atoi(next().c_str());
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::strtoul(next().c_str(), nullptr, 10));
    else if (a == "--numeric") o.numeric = true;
    else if (a == "--merged-title") o.merged_title = true;
    else if (a == "--row-offset") o.row_offset = std::atoi(next().c_str());
    else if (a == "--line-breaks") o.line_breaks = true;
    else if (a == "--no-legend") o.no_legend = true;
    else if (a == "--no-index") o.no_index = true;
    else if (a == "--total-error") o.total_error = std::atoi(next().c_str());
    else if (!a.empty() && a[0] != '-' && out.empty()) out = a;
    else {
      std::cerr << "cmhc-synth: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (out.empty() || o.survey_year < 2000 || o.survey_year > 2099 || o.row_offset < 0 || o.row_offset > 50) {
    std::cerr << "cmhc-synth: usage: cmhc-synth OUT.xlsx [--survey 2000..2099] [--row-offset 0..50] ...\n";
    return 2;
  }
  try {
    const auto expected = cmhc_synth::write_workbook(out, o);
    std::string json_path = out;
    if (json_path.size() > 5 && json_path.substr(json_path.size() - 5) == ".xlsx") json_path.resize(json_path.size() - 5);
    std::ofstream(json_path + ".expected.json") << expected.dump(1) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "cmhc-synth: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
