#include "time_format.hpp"

#include <boost/test/unit_test.hpp>

using namespace mink::persistence::detail;
using namespace std::chrono;

BOOST_AUTO_TEST_SUITE(time_format)

BOOST_AUTO_TEST_CASE(format_then_parse_round_trips) {
  const auto t = system_clock::time_point{} + microseconds(1'764'268'286'000'001LL);
  const std::string text = format_timestamp(t);
  BOOST_TEST(text == "2025-11-27 18:31:26.000001+00");
  system_clock::time_point back;
  BOOST_REQUIRE(parse_timestamp(text, back));
  BOOST_TEST((back == t));
}

BOOST_AUTO_TEST_CASE(parses_what_postgres_prints) {
  system_clock::time_point a, b, c, d;
  BOOST_REQUIRE(parse_timestamp("2024-02-29 12:00:00+00", a));
  BOOST_REQUIRE(parse_timestamp("2024-02-29 14:30:00.5+02:30", b));
  BOOST_REQUIRE(parse_timestamp("2024-02-29 07:00:00-05", c));
  BOOST_REQUIRE(parse_timestamp("2024-02-29 12:00:00", d));  // timestamp without zone: UTC
  BOOST_TEST((b - a == milliseconds(500)));
  BOOST_TEST((c == a));
  BOOST_TEST((d == a));
}

BOOST_AUTO_TEST_CASE(rejects_garbage) {
  system_clock::time_point t;
  for (const char* bad : {"", "infinity", "2024-13-01 00:00:00", "2024-02-30 00:00:00", "2024-01-01",
                          "2024-01-01 25:00:00", "2024-01-01 00:00:00.", "2024-01-01 00:00:00 UTC"}) {
    BOOST_TEST(!parse_timestamp(bad, t), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
