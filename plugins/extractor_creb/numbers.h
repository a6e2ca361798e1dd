// numbers.h — parsing printed table values ("1,234", "$456,700", "-1.25%", "-", "").
#ifndef ANALYTICA_CREB_NUMBERS_H
#define ANALYTICA_CREB_NUMBERS_H

#include <string>

namespace creb {

enum class ValueType { Int, Real };

struct ParsedValue {
    enum class Status { Ok, Null, Bad } status = Status::Bad;
    long long i = 0;
    double d = 0;
};

// Int: optional '$', digits with correct ',' thousands grouping (or none).
// Real: optional sign, digits (',' grouping allowed), optional '.' fraction, optional
// trailing '%' (the value is kept as printed: "61.50%" -> 61.5).
// "" and a lone dash ('-', en dash, em dash) are Null; anything else unparseable is Bad.
ParsedValue parse_value(const std::string& printed, ValueType type);

// True when the text looks like a table number of either type (used to tell labels from values).
bool looks_numeric(const std::string& printed);

// A 4-digit year 1990..2200, else 0.
int parse_year(const std::string& text);

}  // namespace creb

#endif
