#include "numbers.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace creb {

namespace {

// Replaces the UTF-8 minus sign and dashes by '-', drops spaces.
std::string canonical(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t k = 0; k < s.size(); ++k) {
        unsigned char c = static_cast<unsigned char>(s[k]);
        if (c == 0xE2 && k + 2 < s.size()) {
            unsigned char c1 = static_cast<unsigned char>(s[k + 1]), c2 = static_cast<unsigned char>(s[k + 2]);
            // U+2212 minus (E2 88 92), U+2013 en dash (E2 80 93), U+2014 em dash (E2 80 94)
            if ((c1 == 0x88 && c2 == 0x92) || (c1 == 0x80 && (c2 == 0x93 || c2 == 0x94))) {
                out.push_back('-');
                k += 2;
                continue;
            }
        }
        if (std::isspace(c)) continue;
        out.push_back(static_cast<char>(c));
    }
    return out;
}

// digits with optional correct thousands grouping; returns the digits without commas, "" if invalid.
std::string grouped_digits(const std::string& s) {
    if (s.empty()) return "";
    std::string digits;
    size_t comma_count = 0, group = 0;
    bool seen_comma = false;
    for (size_t k = 0; k < s.size(); ++k) {
        char c = s[k];
        if (c == ',') {
            if (k == 0 || group == 0) return "";
            if (seen_comma && group != 3) return "";
            if (!seen_comma && group > 3) return "";
            seen_comma = true;
            ++comma_count;
            group = 0;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            digits.push_back(c);
            ++group;
        } else {
            return "";
        }
    }
    if (seen_comma && group != 3) return "";
    (void)comma_count;
    return digits;
}

}  // namespace

ParsedValue parse_value(const std::string& printed, ValueType type) {
    ParsedValue v;
    std::string s = canonical(printed);
    if (s.empty() || s == "-") {
        v.status = ParsedValue::Status::Null;
        return v;
    }
    bool neg = false;
    size_t p = 0;
    // Sign and currency in either order: "-$5", "$-5", "$5", "-5".
    for (int pass = 0; pass < 2 && p < s.size(); ++pass) {
        if (s[p] == '-' && !neg) neg = true, ++p;
        else if (s[p] == '$') ++p;
    }
    std::string body = s.substr(p);
    if (body.empty()) return v;
    if (type == ValueType::Int) {
        std::string digits = grouped_digits(body);
        if (digits.empty() || digits.size() > 15) return v;
        v.i = std::strtoll(digits.c_str(), nullptr, 10);
        if (neg) v.i = -v.i;
        v.d = static_cast<double>(v.i);
        v.status = ParsedValue::Status::Ok;
        return v;
    }
    if (body.back() == '%') body.pop_back();
    std::string ipart = body, fpart;
    size_t dot = body.find('.');
    if (dot != std::string::npos) {
        ipart = body.substr(0, dot);
        fpart = body.substr(dot + 1);
        if (fpart.empty()) return v;
        for (char c : fpart) {
            if (!std::isdigit(static_cast<unsigned char>(c))) return v;
        }
    }
    std::string digits = grouped_digits(ipart);
    if (digits.empty() || digits.size() > 15) return v;
    std::string num = (neg ? "-" : "") + digits + (fpart.empty() ? "" : "." + fpart);
    errno = 0;
    v.d = std::strtod(num.c_str(), nullptr);
    if (errno != 0) return v;
    v.i = static_cast<long long>(v.d);
    v.status = ParsedValue::Status::Ok;
    return v;
}

bool looks_numeric(const std::string& printed) {
    return parse_value(printed, ValueType::Real).status == ParsedValue::Status::Ok;
}

int parse_year(const std::string& text) {
    if (text.size() != 4) return 0;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
    }
    int y = std::atoi(text.c_str());
    return (y >= 1990 && y <= 2200) ? y : 0;
}

}  // namespace creb
