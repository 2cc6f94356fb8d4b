#include <mink/persistence/query_params.hpp>
#include <mink/persistence/statement.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>

using namespace mink::persistence;

BOOST_AUTO_TEST_SUITE(query_params)

BOOST_AUTO_TEST_CASE(values_use_postgres_text_formats) {
  const std::optional<int> none;
  const std::vector<std::byte> bytes{std::byte{0x00}, std::byte{0xAB}, std::byte{0x7f}};
  mink::persistence::query_params p(std::int64_t{-9223372036854775807LL - 1}, 42, true, false, 2.5, "text",
                                    std::string("it's; DROP"), none, std::optional<int>(7), bytes,
                                    boost::json::value{{"a", 1}});
  BOOST_REQUIRE_EQUAL(p.size(), 11u);
  BOOST_TEST(*p[0] == "-9223372036854775808");
  BOOST_TEST(*p[1] == "42");
  BOOST_TEST(*p[2] == "t");
  BOOST_TEST(*p[3] == "f");
  BOOST_TEST(*p[4] == "2.5");
  BOOST_TEST(*p[5] == "text");
  BOOST_TEST(*p[6] == "it's; DROP");  // bound as data, never quoted into SQL
  BOOST_TEST(!p[7].has_value());
  BOOST_TEST(*p[8] == "7");
  BOOST_TEST(*p[9] == "\\x00ab7f");
  BOOST_TEST(*p[10] == R"({"a":1})");
}

BOOST_AUTO_TEST_CASE(special_doubles_and_times) {
  mink::persistence::query_params p;
  p.add(std::numeric_limits<double>::infinity()).add(-std::numeric_limits<double>::infinity());
  p.add(std::numeric_limits<double>::quiet_NaN()).add(0.1);
  p.add(std::chrono::system_clock::time_point{} + std::chrono::microseconds(1'700'000'000'123'456LL));
  BOOST_TEST(*p[0] == "Infinity");
  BOOST_TEST(*p[1] == "-Infinity");
  BOOST_TEST(*p[2] == "NaN");
  BOOST_TEST(*p[3] == "0.1");  // shortest round-trip form, not 0.10000000000000001
  BOOST_TEST(*p[4] == "2023-11-14 22:13:20.123456+00");
}

BOOST_AUTO_TEST_CASE(statement_names_depend_only_on_sql) {
  statement a("SELECT 1"), b("SELECT 1"), c("SELECT 2");
  BOOST_TEST(a.name() == b.name());
  BOOST_TEST(a.name() != c.name());
  BOOST_TEST(a.name().size() == 21u);  // "mink_" + 16 hex digits: within NAMEDATALEN
}

BOOST_AUTO_TEST_SUITE_END()
