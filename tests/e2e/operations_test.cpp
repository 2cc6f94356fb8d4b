// What operators and tools use: liveness, readiness, Prometheus metrics and the OpenAPI document.
#include "e2e_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>

namespace utf = boost::unit_test;
using namespace mink::e2e;

namespace {

// The first sample line of `metric` (a line starting with its name, not a # comment); empty when none.
std::string sample_line(const std::string& text, std::string_view metric) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(metric) && line.size() > metric.size() &&
        (line[metric.size()] == ' ' || line[metric.size()] == '{'))
      return line;
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(operations, *utf::fixture<manual_minkd>())

BOOST_AUTO_TEST_CASE(healthz_and_readyz_are_200) {
  const auto health = request(server(), get("/healthz"));
  BOOST_TEST(health.status == 200u);
  BOOST_TEST(!health.header("X-Correlation-ID").empty());
  const auto ready = request(server(), get("/readyz"));
  BOOST_TEST(ready.status == 200u, ready.body);
}

BOOST_AUTO_TEST_CASE(metrics_count_requests_and_commands) {
  connection c(server());
  const std::string id = unique_id("metrics");
  check_ack(c.request(post("/orders", create_body(id, "customer-metrics"))), 201, id);
  check_ack(c.request(post("/orders/" + id + "/items", item_body("A-1", "x", 1, "1.00"))), 200, id);
  const auto res = c.request(get("/metrics"));
  BOOST_TEST_REQUIRE(res.status == 200u, res.body);
  BOOST_TEST(res.header("Content-Type").starts_with("text/plain"), res.header("Content-Type"));
  const std::string requests = sample_line(res.body, "mink_http_requests_total");
  const std::string commands = sample_line(res.body, "mink_commands_total");
  BOOST_TEST(!requests.empty(), res.body.substr(0, 2000));
  BOOST_TEST(!commands.empty(), res.body.substr(0, 2000));
  // A sample's value is its last field: at least one request and one command were counted.
  const auto value = [](const std::string& line) {
    const auto space = line.rfind(' ');
    return space == std::string::npos ? 0.0 : std::strtod(line.c_str() + space + 1, nullptr);
  };
  if (!requests.empty()) BOOST_TEST(value(requests) >= 1.0, requests);
  if (!commands.empty()) BOOST_TEST(value(commands) >= 1.0, commands);
}

BOOST_AUTO_TEST_CASE(openapi_json_describes_the_api) {
  const auto res = request(server(), get("/openapi.json"));
  BOOST_TEST_REQUIRE(res.status == 200u, res.body.substr(0, 500));
  BOOST_TEST(res.header("Content-Type").starts_with("application/json"), res.header("Content-Type"));
  const auto body = res.json();
  BOOST_REQUIRE(body.is_object());
  BOOST_TEST(str(body.get_object(), "openapi").starts_with("3."), res.body.substr(0, 200));
  const auto* paths = body.get_object().if_contains("paths");
  BOOST_TEST_REQUIRE((paths && paths->is_object()));
  BOOST_TEST(paths->get_object().contains("/orders"));
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()
