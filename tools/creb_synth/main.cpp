// creb-synth: write synthetic CREB-like Monthly Statistics Package PDFs and
// their .expected.json records.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "creb_synth/creb_synth.h"

namespace {

void usage(std::ostream& os) {
    os << "usage: creb-synth --out DIR (--months YYYY-MM..YYYY-MM | --month YYYY-MM)\n"
          "                  [--seed N] [--drift none|shift-columns|extra-row|moved-page|all[,...]]\n"
          "                  [--date-row auto|dates|hashes] [--set KEY=VALUE]... [--quiet]\n"
          "\n"
          "Writes DIR/MM_YYYY_Calgary_Monthly_Stats_Package.pdf and .expected.json for each month.\n"
          "All numbers are invented (deterministic for a seed); the layout imitates the CREB package.\n"
          "--set plants a value without re-deriving anything, e.g.\n"
          "  --set district_monthly/Detached/North/sales=999\n"
          "  --set city_monthly/Total/2024-03/index=null     (printed '-', expected null)\n";
}

bool parse_unsigned(const std::string& s, unsigned& out) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
    errno = 0;
    const unsigned long v = std::strtoul(s.c_str(), nullptr, 10);
    if (errno != 0 || v > std::numeric_limits<unsigned>::max()) return false;
    out = static_cast<unsigned>(v);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_dir, months_spec;
    creb_synth::Options base;
    bool quiet = false;
    try {
        std::vector<std::string> args(argv + 1, argv + argc);
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            auto value = [&]() -> const std::string& {
                if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
                return args[++i];
            };
            if (a == "-h" || a == "--help") {
                usage(std::cout);
                return 0;
            } else if (a == "--out") {
                out_dir = value();
            } else if (a == "--months" || a == "--month") {
                if (!months_spec.empty()) throw std::invalid_argument("give --months or --month once");
                months_spec = value();
                if (a == "--month" && months_spec.find("..") != std::string::npos) {
                    throw std::invalid_argument("--month takes one YYYY-MM; use --months for a range");
                }
            } else if (a == "--seed") {
                if (!parse_unsigned(value(), base.seed)) throw std::invalid_argument("--seed needs an unsigned integer");
            } else if (a == "--drift") {
                base.drift = creb_synth::parse_drift(value());
            } else if (a == "--date-row") {
                const std::string& v = value();
                if (v == "auto") base.date_row = creb_synth::DateRow::Auto;
                else if (v == "dates") base.date_row = creb_synth::DateRow::Dates;
                else if (v == "hashes") base.date_row = creb_synth::DateRow::Hashes;
                else throw std::invalid_argument("--date-row must be auto, dates or hashes");
            } else if (a == "--set") {
                const std::string& kv = value();
                const std::size_t eq = kv.find('=');
                if (eq == std::string::npos || eq == 0) throw std::invalid_argument("--set needs KEY=VALUE");
                const std::string v = kv.substr(eq + 1);
                double d = std::numeric_limits<double>::quiet_NaN();
                if (v != "null" && v != "-") {
                    char* end = nullptr;
                    d = std::strtod(v.c_str(), &end);
                    if (v.empty() || *end != '\0' || !std::isfinite(d)) {
                        throw std::invalid_argument("--set value must be a number or null: " + kv);
                    }
                }
                base.overrides[kv.substr(0, eq)] = d;
            } else if (a == "--quiet" || a == "-q") {
                quiet = true;
            } else {
                throw std::invalid_argument("unknown argument '" + a + "'");
            }
        }
        if (out_dir.empty() || months_spec.empty()) throw std::invalid_argument("--out and --months/--month are required");
        const std::vector<std::string> months = creb_synth::parse_months(months_spec);
        for (const std::string& m : months) {
            creb_synth::Options opt = base;
            opt.report_month = m;
            const creb_synth::Written w = creb_synth::write_report(out_dir, opt);
            if (!quiet) std::cout << w.pdf_path << "\n" << w.expected_path << "\n";
        }
    } catch (const std::invalid_argument& e) {
        std::cerr << "creb-synth: " << e.what() << "\n";
        usage(std::cerr);
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "creb-synth: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
