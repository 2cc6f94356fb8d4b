#include <mink/http/prometheus.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <limits>

namespace http = mink::http;

BOOST_AUTO_TEST_SUITE(http_prometheus)

BOOST_AUTO_TEST_CASE(families_get_help_and_type_once) {
  http::prometheus_writer w;
  w.counter("a_total", "Things.\nMore \\ text.", {{"k", "x"}}, 3);
  w.counter("a_total", "Things.\nMore \\ text.", {{"k", "y"}}, 4);
  w.gauge("b", "A gauge.", {}, 2.5);
  BOOST_TEST(w.text() ==
             "# HELP a_total Things.\\nMore \\\\ text.\n"
             "# TYPE a_total counter\n"
             "a_total{k=\"x\"} 3\n"
             "a_total{k=\"y\"} 4\n"
             "# HELP b A gauge.\n"
             "# TYPE b gauge\n"
             "b 2.5\n");
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
  http::prometheus_writer w;
  w.gauge("g", "G.", {{"a", "back\\slash"}, {"b", "say \"hi\""}, {"c", "two\nlines"}}, 1);
  BOOST_TEST(w.text() ==
             "# HELP g G.\n# TYPE g gauge\n"
             "g{a=\"back\\\\slash\",b=\"say \\\"hi\\\"\",c=\"two\\nlines\"} 1\n");
}

BOOST_AUTO_TEST_CASE(histograms_are_cumulative_with_inf_sum_and_count) {
  http::prometheus_writer w;
  const std::array<double, 3> bounds{0.005, 0.1, 1.0};
  const std::array<std::uint64_t, 4> counts{2, 0, 1, 1};  // one above every bound
  w.histogram("d_seconds", "D.", {{"route", "/x"}}, bounds, counts, 3.25);
  BOOST_TEST(w.text() ==
             "# HELP d_seconds D.\n# TYPE d_seconds histogram\n"
             "d_seconds_bucket{route=\"/x\",le=\"0.005\"} 2\n"
             "d_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
             "d_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
             "d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
             "d_seconds_sum{route=\"/x\"} 3.25\n"
             "d_seconds_count{route=\"/x\"} 4\n");
}

BOOST_AUTO_TEST_CASE(values_print_without_exponents) {
  BOOST_TEST(http::format_metric_value(0) == "0");
  BOOST_TEST(http::format_metric_value(42) == "42");
  BOOST_TEST(http::format_metric_value(-7) == "-7");
  BOOST_TEST(http::format_metric_value(0.0005) == "0.0005");
  BOOST_TEST(http::format_metric_value(0.000001) == "0.000001");
  BOOST_TEST(http::format_metric_value(1234567.125) == "1234567.125");
  BOOST_TEST(http::format_metric_value(1e15) == "1000000000000000");
  BOOST_TEST(http::format_metric_value(1e20) == "100000000000000000000");
  BOOST_TEST(http::format_metric_value(0.1 + 0.2) == "0.30000000000000004");
  BOOST_TEST(http::format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(http::format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  BOOST_TEST(http::format_metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  BOOST_TEST(http::escape_label_value("plain") == "plain");
}

BOOST_AUTO_TEST_SUITE_END()
