// analytica_prometheus.hpp — writing the Prometheus text exposition format
// (version 0.0.4): HELP and TYPE lines, samples with escaped label values,
// numbers as Prometheus reads them.
//
// Header-only and compiled into each user (`analytica serve`'s /metrics,
// monitor_metrics' textfile), so both write the format alike. Nothing here
// crosses the ABI. Not thread-safe: one Exposition per writer.
#ifndef ANALYTICA_PROMETHEUS_HPP
#define ANALYTICA_PROMETHEUS_HPP

#include <cmath>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace analytica {
namespace prometheus {

// A sample's labels, written in this order.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A label value with backslash, double quote and newline escaped.
inline std::string escape_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

// HELP text with backslash and newline escaped.
inline std::string escape_help(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A sample value: NaN, +Inf, -Inf, else up to 15 significant digits.
inline std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

// Builds one exposition text. Callers write each family's HELP/TYPE once,
// then its samples; names are not checked (use [a-zA-Z_:][a-zA-Z0-9_:]*).
class Exposition {
 public:
  // "# HELP name help" and "# TYPE name type" (counter, gauge, histogram...).
  void family(const std::string& name, const char* type, const std::string& help) {
    out_ << "# HELP " << name << ' ' << escape_help(help) << "\n# TYPE " << name << ' ' << type << '\n';
  }
  // "name{k="v",...} value".
  void sample(const std::string& name, const Labels& labels, double value) {
    out_ << name;
    if (!labels.empty()) {
      out_ << '{';
      bool first = true;
      for (const auto& [key, v] : labels) {
        out_ << (first ? "" : ",") << key << "=\"" << escape_label(v) << '"';
        first = false;
      }
      out_ << '}';
    }
    out_ << ' ' << number(value) << '\n';
  }
  // Text already in the format (ending with a newline), appended as is.
  void raw(const std::string& text) { out_ << text; }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

}  // namespace prometheus
}  // namespace analytica

#endif  // ANALYTICA_PROMETHEUS_HPP
