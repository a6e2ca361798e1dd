// What the tests' own extractors that read "id,a" files share
// (tests/governance/plugins, tests/reliability/plugins). Header-only: each
// plugin module compiles it in; it depends on nothing but the SDK.
#ifndef ANALYTICA_TESTS_SUPPORT_ID_LINES_H
#define ANALYTICA_TESTS_SUPPORT_ID_LINES_H

#include <analytica.h>
#include <analytica_cpp.hpp>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace test_plugins {

// The probe score of a test extractor: 90 when the input's path ends in
// `suffix` (".gt") after at least one character, else 0.
inline int32_t probe_suffix(const analytica_input* in, const std::string& suffix) {
  const std::string p = in->path ? in->path : "";
  return p.size() > suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0 ? 90 : 0;
}

// One line "id,a" of an input, both fields as written.
struct IdLine {
  std::string id, a;
};

// The non-empty lines of the file at `path`, in order. Throws
// analytica::Failure(ANALYTICA_ERR_IO, "<path>: cannot open") when it cannot
// be opened.
inline std::vector<IdLine> read_id_lines(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw analytica::Failure(ANALYTICA_ERR_IO, path + ": cannot open");
  std::vector<IdLine> lines;
  for (std::string line; std::getline(f, line);) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    IdLine l;
    std::getline(ss, l.id, ',');
    std::getline(ss, l.a, ',');
    lines.push_back(std::move(l));
  }
  return lines;
}

}  // namespace test_plugins

#endif  // ANALYTICA_TESTS_SUPPORT_ID_LINES_H
