// How saga steps and processed markers are stored as JSON: plain to read in psql, and decoded
// strictly, so that a row this version cannot understand is an error rather than a guess.
#include "saga_rows.hpp"

#include <mink/messaging/errc.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace mink::persistence;
using boost::system::error_code;

namespace {

std::vector<saga_step> decode(const char* json, error_code& ec) {
  std::vector<saga_step> steps;
  ec = detail::steps_from_json(boost::json::parse(json), steps);
  return steps;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saga_rows)

BOOST_AUTO_TEST_CASE(steps_are_stored_with_readable_names_and_times) {
  saga_step s;
  s.name = "payment";
  s.status = step_status::failed;
  s.started_at = std::chrono::sys_days(std::chrono::year(2026) / 11 / 27) + std::chrono::hours(18) +
                 std::chrono::microseconds(123456) + std::chrono::nanoseconds(789);
  s.error = "declined";
  const auto json = detail::steps_to_json(std::vector<saga_step>(1, s));
  const auto& o = json.as_array().at(0).as_object();
  BOOST_TEST(o.at("status").as_string() == "failed");
  BOOST_TEST(o.at("started_at").as_string() == "2026-11-27 18:00:00.123456+00");
  BOOST_TEST(o.at("finished_at").is_null());

  std::vector<saga_step> back;
  BOOST_TEST(!detail::steps_from_json(json, back));
  BOOST_TEST_REQUIRE(back.size() == 1u);
  s.started_at = std::chrono::floor<std::chrono::microseconds>(*s.started_at);
  BOOST_TEST((back[0] == s));
}

BOOST_AUTO_TEST_CASE(missing_optional_fields_read_as_empty) {
  error_code ec;
  const auto steps = decode(R"([{"name": "ship", "status": "pending"}])", ec);
  BOOST_TEST(!ec);
  BOOST_TEST_REQUIRE(steps.size() == 1u);
  BOOST_TEST(!steps[0].started_at.has_value());
  BOOST_TEST(steps[0].error.empty());
}

BOOST_AUTO_TEST_CASE(malformed_steps_are_refused) {
  for (const char* bad : {R"({})", R"([1])", R"([{"name": "x", "status": "exploded"}])",
                          R"([{"name": 5, "status": "pending"}])",
                          R"([{"name": "x", "status": "pending", "started_at": "yesterday"}])",
                          R"([{"name": "x", "status": "pending", "finished_at": 17}])"}) {
    error_code ec;
    decode(bad, ec);
    BOOST_TEST(ec == make_error_code(mink::errc::invalid_value), bad);
  }
}

BOOST_AUTO_TEST_CASE(processed_markers_are_a_list_of_strings) {
  std::vector<std::string> ids{"a", "b\xc3\xa9"};
  const auto json = detail::processed_to_json(ids);
  std::vector<std::string> back;
  BOOST_TEST(!detail::processed_from_json(json, back));
  BOOST_TEST(back == ids, boost::test_tools::per_element());
  BOOST_TEST(detail::processed_from_json(boost::json::parse(R"(["a", 1])"), back) ==
             make_error_code(mink::errc::invalid_value));
  BOOST_TEST(detail::processed_from_json(boost::json::parse(R"({})"), back) ==
             make_error_code(mink::errc::invalid_value));
}

BOOST_AUTO_TEST_SUITE_END()
