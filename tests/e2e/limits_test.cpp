// The server's limits, seen from a client of the real minkd (started with --header-timeout-ms
// 1000): a request whose headers never end, a body over 64 KiB, a header block over 8 KiB.
#include "e2e_support.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace utf = boost::unit_test;
using namespace mink::e2e;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(limits, *utf::fixture<short_timeouts_minkd>())

BOOST_AUTO_TEST_CASE(slow_headers_get_408_or_a_close) {
  connection c(server());
  const auto started = std::chrono::steady_clock::now();
  c.send_raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");  // and nothing more
  const auto answer = c.read_response_or_close(milliseconds(8000));
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  if (answer) {
    check_problem(*answer, 408, "");
    BOOST_TEST(c.closed_by_server(milliseconds(3000)));
  }
  // The 1 s header timeout, not the 10 s default, and not at once.
  BOOST_TEST(took.count() >= 800, took.count() << " ms");
  BOOST_TEST(took.count() < 5000, took.count() << " ms");

  // A request line that never ends is treated the same.
  connection partial(server());
  const auto partial_started = std::chrono::steady_clock::now();
  partial.send_raw("GET /heal");
  const auto partial_answer = partial.read_response_or_close(milliseconds(8000));
  if (partial_answer) check_problem(*partial_answer, 408, "");
  const auto partial_took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - partial_started);
  BOOST_TEST(partial_took.count() >= 800, partial_took.count() << " ms");
  BOOST_TEST(partial_took.count() < 5000, partial_took.count() << " ms");

  // A connection that sends nothing at all is treated the same.
  connection silent(server());
  const auto silent_started = std::chrono::steady_clock::now();
  const auto silent_answer = silent.read_response_or_close(milliseconds(8000));
  if (silent_answer) BOOST_TEST(silent_answer->status == 408u);
  BOOST_TEST((std::chrono::steady_clock::now() - silent_started < milliseconds(5000)));

  // The server is still serving.
  BOOST_TEST(request(server(), get("/healthz")).status == 200u);
}

BOOST_AUTO_TEST_CASE(a_body_over_64_kib_is_413_and_the_connection_closes) {
  connection c(server());
  const std::string big = "{\"order_id\":\"big\",\"customer_id\":\"" + std::string(64 * 1024, 'x') + "\"}";
  const auto res = c.request(post("/orders", big));
  check_problem(res, 413, "");
  BOOST_TEST(c.closed_by_server(milliseconds(3000)));
  // The limit is decided from Content-Length: a body announced but not sent is refused as well.
  connection d(server());
  d.send_raw("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{");
  check_problem(d.read_response(milliseconds(5000)), 413, "");
}

BOOST_AUTO_TEST_CASE(a_header_block_over_8_kib_is_431) {
  connection c(server());
  const auto res = c.request(get("/healthz", {{"X-Big", std::string(9000, 'b')}}));
  check_problem(res, 431, "");
  BOOST_TEST(c.closed_by_server(milliseconds(3000)));
  // Many small fields add up the same way.
  connection d(server());
  header_list many;
  for (int i = 0; i < 200; ++i) many.emplace_back("X-Field-" + std::to_string(i), std::string(50, 'v'));
  check_problem(d.request(get("/healthz", many)), 431, "");
  // Just under the limit is fine.
  BOOST_TEST(request(server(), get("/healthz", {{"X-Big", std::string(7000, 'b')}})).status == 200u);
}

BOOST_AUTO_TEST_CASE(minkd_stops_cleanly_on_sigterm) { minkd_fixture::current().check_clean_stop(); }

BOOST_AUTO_TEST_SUITE_END()
