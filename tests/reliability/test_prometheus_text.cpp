// plugin-api/analytica_prometheus.hpp, the one writer of the Prometheus text
// format (/metrics and monitor_metrics' textfile): label values and HELP
// text escaped, numbers as Prometheus reads them, labels in given order.
#include <analytica_prometheus.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using analytica::prometheus::escape_label;
using analytica::prometheus::Exposition;
using analytica::prometheus::number;

TEST_CASE("Prometheus text: escaping, numbers and label order", "[prometheus]") {
  CHECK(escape_label("plain") == "plain");
  CHECK(escape_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(number(3) == "3");
  CHECK(number(0.25) == "0.25");
  CHECK(number(1234567890123.0) == "1234567890123");
  CHECK(number(std::nan("")) == "NaN");
  CHECK(number(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(number(-std::numeric_limits<double>::infinity()) == "-Inf");

  Exposition e;
  e.family("x_total", "counter", "Things\nwith a \\ in help.");
  e.sample("x_total", {{"pipeline", "p\"1"}, {"kind", "a"}}, 2);
  e.sample("x_total", {}, 1);
  CHECK(e.str() ==
        "# HELP x_total Things\\nwith a \\\\ in help.\n# TYPE x_total counter\n"
        "x_total{pipeline=\"p\\\"1\",kind=\"a\"} 2\nx_total 1\n");
}
